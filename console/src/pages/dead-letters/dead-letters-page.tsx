import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function DeadLettersPage() {
  return <Header variant="h1">Dead letters</Header>;
}
