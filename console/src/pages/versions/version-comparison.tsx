import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Spinner from '@cloudscape-design/components/spinner';
import { useApi } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { DiffView } from '../../components/diff-view';

type Version = Schemas['PublishedVersion'];

/**
 * What changed from one published version to another, field by field. The API names the changed
 * destinations (`…/versions/{to}/diff?from=`); the fields come from the two versions' content.
 */
export function VersionComparison({
  workspace,
  from,
  to,
}: {
  workspace: string;
  from: Version;
  to: Version;
}) {
  const diff = useApi(
    (api) =>
      call(
        api.GET('/v1/workspaces/{workspace}/versions/{version}/diff', {
          params: { path: { workspace, version: to.version }, query: { from: from.version } },
        }),
      ),
    [workspace, from.version, to.version],
  );
  return (
    <Container
      header={
        <Header variant="h2" description="Destinations added, changed and removed, and each changed field.">
          Version {from.version} → version {to.version}
        </Header>
      }
    >
      <ApiErrorAlert error={diff.error} header="The versions could not be compared" />
      {diff.loading && <Spinner />}
      {diff.data && !diff.loading && (
        <DiffView
          changes={diff.data.changes}
          before={from.destinations}
          after={to.destinations}
          beforeLabel={`Version ${from.version}`}
          afterLabel={`Version ${to.version}`}
        />
      )}
    </Container>
  );
}
