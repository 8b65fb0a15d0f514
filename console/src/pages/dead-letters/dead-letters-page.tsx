import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import { DeadLetterTable } from './dead-letter-table';

/** The workspace's dead letters across its destinations, to redrive or discard. */
export function DeadLettersPage() {
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Newest first. Filter by destination or error code; bodies are never listed here."
        >
          Dead letters
        </Header>
      }
    >
      <DeadLetterTable title="Letters" />
    </ContentLayout>
  );
}
