import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function PublishPage() {
  return <Header variant="h1">Draft and publish</Header>;
}
