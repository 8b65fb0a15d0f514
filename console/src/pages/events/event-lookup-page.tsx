import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function EventLookupPage() {
  return <Header variant="h1">Event lookup</Header>;
}
