import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { Schemas } from '../../api/client';
import { DestinationFields } from '../../components/diff-view';

/** The destinations one published version holds, each with its settings. */
export function VersionContent({ version }: { version: Schemas['PublishedVersion'] }) {
  return (
    <Container
      header={
        <Header variant="h2" description={`${version.destinations.length} destination(s)`}>
          Version {version.version}
        </Header>
      }
    >
      {version.destinations.length === 0 ? (
        <Box color="text-status-inactive">This version has no destinations: it delivers nothing.</Box>
      ) : (
        <SpaceBetween size="l">
          {version.destinations.map((destination) => (
            <DestinationFields key={destination.id} destination={destination} />
          ))}
        </SpaceBetween>
      )}
    </Container>
  );
}
