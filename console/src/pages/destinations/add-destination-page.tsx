import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function AddDestinationPage() {
  return <Header variant="h1">Add destination</Header>;
}
