import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function VersionsPage() {
  return <Header variant="h1">Versions</Header>;
}
