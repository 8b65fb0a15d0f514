import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function AuditPage() {
  return <Header variant="h1">Audit log</Header>;
}
