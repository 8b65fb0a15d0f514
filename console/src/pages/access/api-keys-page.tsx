import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function ApiKeysPage() {
  return <Header variant="h1">API keys</Header>;
}
