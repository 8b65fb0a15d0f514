import Header from '@cloudscape-design/components/header';

/** Placeholder: replaced by the page itself. */
export function MembersPage() {
  return <Header variant="h1">Members</Header>;
}
