import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useWorkspace } from '../../workspace/workspace-context';
import { destinationPaths, useRouterFollow } from './router-follow';
import { SetupCheck } from './setup-check';

/** After the wizard saved a destination: check its setup, then open it or go on to publish. */
export function DestinationSaved({ destination }: { destination: string }) {
  const { workspace } = useWorkspace();
  const follow = useRouterFollow();
  const paths = destinationPaths(workspace);
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
            <Link href={paths.destination(destination)} onFollow={follow}>
              Open destination {destination}
            </Link>{' '}
            to change its fields, data mapping or consent.
          </Box>
          <Box>
            <Link href={paths.publish} onFollow={follow}>
              Draft and publish
            </Link>{' '}
            to review the draft and publish it as a new version.
          </Box>
          <Box>
            <Link href={paths.list} onFollow={follow}>
              Back to destinations
            </Link>
          </Box>
        </SpaceBetween>
      </Container>
    </SpaceBetween>
  );
}
