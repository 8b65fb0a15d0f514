import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function DestinationsPage() {
  return <Header variant="h1">Destinations</Header>;
}
