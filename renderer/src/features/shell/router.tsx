import {
  createHashHistory,
  createRootRoute,
  createRoute,
  createRouter,
  Link,
  lazyRouteComponent,
  redirect,
  type RouterHistory,
} from '@tanstack/react-router';
import { getBridge } from '../../ipc/bridge';
import { isWorkspaceSection } from '../workspaces/workspace-sections';
import { WorkspacesPage } from '../workspaces/WorkspacesPage';
import { ShellLayout } from './ShellLayout';

/*
 * Every page has a URL in the fragment (#/usage, #/workspaces/<id>/budget): hash routing needs no
 * server support, so it works the same under app:// and the browser host. The Workspaces page is
 * the landing page and ships in the first chunk; every other page is its own chunk, loaded when
 * first opened (recharts only comes with Usage).
 */

function NotFoundPage() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        This address does not name a page of Gatehouse. <Link to="/workspaces">Go to Workspaces</Link>.
      </p>
    </div>
  );
}

function PageLoading() {
  return (
    <p className="page-loading" role="status">
      Loading…
    </p>
  );
}

const rootRoute = createRootRoute({ component: ShellLayout, notFoundComponent: NotFoundPage });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/workspaces', replace: true });
  },
});

const workspacesRoute = createRoute({ getParentRoute: () => rootRoute, path: 'workspaces', component: WorkspacesPage });
const workspacesIndexRoute = createRoute({ getParentRoute: () => workspacesRoute, path: '/' });
/** `#/workspaces/new`: the Create workspace dialog over the list (the palette's "Create workspace", a link). */
const workspaceNewRoute = createRoute({ getParentRoute: () => workspacesRoute, path: 'new' });
export const workspaceRoute = createRoute({ getParentRoute: () => workspacesRoute, path: '$workspaceId' });
const workspaceSectionRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '$section',
  beforeLoad: ({ params }) => {
    if (!isWorkspaceSection(params.section)) throw redirect({ to: '/workspaces/$workspaceId', params: { workspaceId: params.workspaceId }, replace: true });
  },
});

const page = <P extends string>(path: P, component: ReturnType<typeof lazyRouteComponent>) =>
  createRoute({ getParentRoute: () => rootRoute, path, component });

const overviewRoute = page('overview', lazyRouteComponent(() => import('../overview/OverviewPage'), 'OverviewPage'));
const keysRoute = page('keys', lazyRouteComponent(() => import('../keys/KeysPage'), 'KeysPage'));
const modelsRoute = page('models', lazyRouteComponent(() => import('../models/ModelsPage'), 'ModelsPage'));
const providerKeysRoute = page('provider-keys', lazyRouteComponent(() => import('../provider-keys/ProviderKeysPage'), 'ProviderKeysPage'));
const usageRoute = page('usage', lazyRouteComponent(() => import('../usage/UsagePage'), 'UsagePage'));
const membersRoute = page('members', lazyRouteComponent(() => import('../members/MembersPage'), 'MembersPage'));
const auditRoute = page('audit', lazyRouteComponent(() => import('../audit/AuditPage'), 'AuditPage'));
const syncRoute = page('sync', lazyRouteComponent(() => import('../sync/SyncPage'), 'SyncPage'));
const settingsRoute = page('settings', lazyRouteComponent(() => import('../settings/SettingsPage'), 'SettingsPage'));

const routeTree = rootRoute.addChildren([
  indexRoute,
  overviewRoute,
  workspacesRoute.addChildren([workspacesIndexRoute, workspaceNewRoute, workspaceRoute.addChildren([workspaceSectionRoute])]),
  keysRoute,
  modelsRoute,
  providerKeysRoute,
  usageRoute,
  membersRoute,
  auditRoute,
  syncRoute,
  settingsRoute,
]);

/** `history` for tests (a memory history); the app uses the URL fragment. */
export function createAppRouter(history?: RouterHistory) {
  // The browser bridge reads (and removes) `#token=…` from the fragment; it must do so before the router parses it.
  getBridge();
  return createRouter({
    routeTree,
    history: history ?? createHashHistory(),
    defaultPendingComponent: PageLoading,
    defaultPendingMs: 150,
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

declare module '@tanstack/react-router' {
  interface Register {
    router: AppRouter;
  }
}
