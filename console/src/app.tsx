import AppLayout from '@cloudscape-design/components/app-layout';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import SideNavigation from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { lazy, type ReactNode, Suspense, useEffect, useMemo, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation, useParams } from 'react-router-dom';
import { ApiProvider, useApi } from './api/api-context';
import { call, createApiClient, type Schemas } from './api/client';
import { useSession } from './auth/session';
import { SignInPage } from './auth/sign-in-page';
import { ApiErrorAlert } from './components/api-error-alert';
import { NotificationsProvider } from './components/notifications';
import { RouterLink, useRouterFollow, workspacePaths } from './components/router-link';
import type { ConsoleConfig } from './config';
import { accessTo, WorkspaceProvider } from './workspace/workspace-context';

/** Each page is loaded when first opened: the sign-in page and the shell load without them. */
const ApiKeysPage = lazy(() =>
  import('./pages/access/api-keys-page').then((page) => ({ default: page.ApiKeysPage })),
);
const AuditPage = lazy(() =>
  import('./pages/access/audit-page').then((page) => ({ default: page.AuditPage })),
);
const MembersPage = lazy(() =>
  import('./pages/access/members-page').then((page) => ({ default: page.MembersPage })),
);
const DeadLettersPage = lazy(() =>
  import('./pages/dead-letters/dead-letters-page').then((page) => ({ default: page.DeadLettersPage })),
);
const DestinationPage = lazy(() =>
  import('./pages/destination/destination-page').then((page) => ({ default: page.DestinationPage })),
);
const AddDestinationPage = lazy(() =>
  import('./pages/destinations/add-destination-page').then((page) => ({ default: page.AddDestinationPage })),
);
const DestinationsPage = lazy(() =>
  import('./pages/destinations/destinations-page').then((page) => ({ default: page.DestinationsPage })),
);
const EventLookupPage = lazy(() =>
  import('./pages/events/event-lookup-page').then((page) => ({ default: page.EventLookupPage })),
);
const PublishPage = lazy(() =>
  import('./pages/publish/publish-page').then((page) => ({ default: page.PublishPage })),
);
const VersionsPage = lazy(() =>
  import('./pages/versions/versions-page').then((page) => ({ default: page.VersionsPage })),
);

/** The whole console: sign-in until there is a session, then the workspace pages. */
export function App({ config }: { config: ConsoleConfig }) {
  const session = useSession();
  const client = useMemo(
    () =>
      createApiClient({
        apiUrl: config.apiUrl,
        accessToken: () => session.accessToken(),
        onSignedOut: () => void session.signOut(),
      }),
    [config.apiUrl, session.accessToken, session.signOut],
  );
  if (!session.signedIn) return <SignInPage />;
  return (
    <ApiProvider client={client}>
      <BrowserRouter>
        <SignedIn />
      </BrowserRouter>
    </ApiProvider>
  );
}

function SignedIn() {
  const session = useSession();
  const me = useApi((api) => call(api.GET('/v1/me')), []);
  const email = useSignedInEmail();
  if (me.error)
    return (
      <Box padding="l">
        <ApiErrorAlert error={me.error} />
      </Box>
    );
  if (!me.data)
    return (
      <Box padding="xxxl" textAlign="center">
        <Spinner size="large" />
      </Box>
    );
  const identity = me.data;
  return (
    <>
      <div id="top-nav">
        <TopNavigation
          identity={{ href: '/', title: 'Event delivery' }}
          utilities={[
            {
              type: 'menu-dropdown',
              text: email ?? identity.username,
              description: identity.operator ? 'Operator' : undefined,
              iconName: 'user-profile',
              items: [{ id: 'sign-out', text: 'Sign out' }],
              onItemClick: ({ detail }) => detail.id === 'sign-out' && void session.signOut(),
            },
          ]}
        />
      </div>
      <Routes>
        <Route path="/" element={<Home me={identity} />} />
        <Route path="/workspaces" element={<WorkspacePicker me={identity} />} />
        <Route path="/workspaces/:workspace/*" element={<WorkspaceArea me={identity} />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </>
  );
}

/** The person's email from the user pool (the API knows them by id); undefined until known. */
function useSignedInEmail(): string | undefined {
  const session = useSession();
  const [email, setEmail] = useState<string>();
  useEffect(() => {
    session
      .accessToken()
      .then((token) => session.cognito.email(token))
      .then(setEmail, () => undefined);
  }, [session]);
  return email;
}

/** One workspace: straight to its destinations; several: the picker. */
function Home({ me }: { me: Schemas['Me'] }) {
  if (me.workspaces.length === 1)
    return <Navigate to={workspacePaths(me.workspaces[0].workspace).destinations} replace />;
  return <WorkspacePicker me={me} />;
}

function WorkspacePicker({ me }: { me: Schemas['Me'] }) {
  return (
    <Box padding="xl">
      <Header variant="h1" description="Choose the workspace to work in.">
        Workspaces
      </Header>
      {me.workspaces.length === 0 && (
        <Box variant="p">You are not a member of any workspace yet: ask its admin to invite you.</Box>
      )}
      <ul>
        {me.workspaces.map(({ workspace, role }) => (
          <li key={workspace}>
            <RouterLink href={workspacePaths(workspace).destinations}>{workspace}</RouterLink> ({role})
          </li>
        ))}
      </ul>
    </Box>
  );
}

function WorkspaceArea({ me }: { me: Schemas['Me'] }) {
  const { workspace = '' } = useParams();
  const access = accessTo(me, workspace);
  const content: ReactNode = access ? (
    <Routes>
      <Route path="destinations" element={<DestinationsPage />} />
      <Route path="destinations/new" element={<AddDestinationPage />} />
      <Route path="destinations/:destination" element={<DestinationPage />} />
      <Route path="publish" element={<PublishPage />} />
      <Route path="versions" element={<VersionsPage />} />
      <Route path="dead-letters" element={<DeadLettersPage />} />
      <Route path="events" element={<EventLookupPage />} />
      <Route path="members" element={<MembersPage />} />
      <Route path="api-keys" element={<ApiKeysPage />} />
      <Route path="audit" element={<AuditPage />} />
      <Route path="*" element={<Navigate to="destinations" replace />} />
    </Routes>
  ) : (
    // The API answers a non-member exactly as a workspace that does not exist; so does the console.
    <Box padding="l">
      <Header variant="h1">Workspace not found</Header>
      <Box variant="p">There is no workspace {workspace} that you are a member of.</Box>
    </Box>
  );
  return (
    <NotificationsProvider>
      {(flashbar) => (
        <AppLayout
          headerSelector="#top-nav"
          navigation={<Navigation workspace={workspace} me={me} />}
          notifications={flashbar}
          toolsHide
          content={
            access ? (
              <WorkspaceProvider access={access}>
                <Suspense fallback={<PageLoading />}>{content}</Suspense>
              </WorkspaceProvider>
            ) : (
              content
            )
          }
        />
      )}
    </NotificationsProvider>
  );
}

function Navigation({ workspace, me }: { workspace: string; me: Schemas['Me'] }) {
  const follow = useRouterFollow();
  const { pathname } = useLocation();
  const paths = workspacePaths(workspace);
  const admin = accessTo(me, workspace)?.isAdmin === true;
  const active = pathname.startsWith(paths.destinations) ? paths.destinations : pathname;
  return (
    <SideNavigation
      header={{ text: workspace, href: paths.destinations }}
      activeHref={active}
      onFollow={follow}
      items={[
        { type: 'link', text: 'Destinations', href: paths.destinations },
        { type: 'link', text: 'Draft and publish', href: paths.publish },
        { type: 'link', text: 'Versions', href: paths.versions },
        { type: 'divider' },
        { type: 'link', text: 'Dead letters', href: paths.deadLetters },
        { type: 'link', text: 'Event lookup', href: paths.events() },
        { type: 'divider' },
        ...(admin
          ? ([
              { type: 'link', text: 'Members', href: paths.members },
              { type: 'link', text: 'API keys', href: paths.apiKeys },
            ] as const)
          : []),
        { type: 'link', text: 'Audit log', href: paths.audit },
        ...(me.workspaces.length > 1
          ? ([{ type: 'link', text: 'Switch workspace', href: '/workspaces' }] as const)
          : []),
      ]}
    />
  );
}

function PageLoading() {
  return (
    <Box padding="xxxl" textAlign="center">
      <Spinner size="large" />
    </Box>
  );
}
