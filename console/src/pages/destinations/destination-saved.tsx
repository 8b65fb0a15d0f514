import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { RouterLink, workspacePaths } from '../../components/router-link';
import { useWorkspace } from '../../workspace/workspace-context';
import { SetupCheck } from './setup-check';

/** After the wizard saved a destination: check its setup, then open it or go on to publish. */
export function DestinationSaved({ destination }: { destination: string }) {
  const { workspace } = useWorkspace();
  const paths = workspacePaths(workspace);
  return (
    <SpaceBetween size="l">
      <Header variant="h1" description="It is in the draft: it receives events once you publish a version.">
        Destination {destination} saved to the draft
      </Header>
      <Container
        header={
          <Header
            variant="h2"
            description="Checks, as the platform's dispatcher, that the role can be assumed and the resource reached."
          >
            Check the setup
          </Header>
        }
      >
        <SetupCheck destination={destination} />
      </Container>
      <Container header={<Header variant="h2">Next</Header>}>
        <SpaceBetween size="s">
          <Box>
            <RouterLink href={paths.destination(destination)}>Open destination {destination}</RouterLink> to
            change its fields, data mapping or consent.
          </Box>
          <Box>
            <RouterLink href={paths.publish}>Draft and publish</RouterLink> to review the draft and publish it
            as a new version.
          </Box>
          <Box>
            <RouterLink href={paths.destinations}>Back to destinations</RouterLink>
          </Box>
        </SpaceBetween>
      </Container>
    </SpaceBetween>
  );
}
