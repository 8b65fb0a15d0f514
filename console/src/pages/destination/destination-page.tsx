import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function DestinationPage() {
  return <Header variant="h1">Destination</Header>;
}
