import { lazy, Suspense, type ReactNode } from 'react';
import { Loading } from './components/Feedback.tsx';
import { modules } from './modules/registry.ts';
import { plannerRoutes } from './modules/planner/index.tsx';
import { matchPath, routeQueryParam } from './router.tsx';
import { JobDetailPage } from './pages/JobDetailPage.tsx';
import { JobsPage } from './pages/JobsPage.tsx';
import { NetworkMapPage } from './pages/NetworkMapPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { SiteDetailPage } from './pages/SiteDetailPage.tsx';
import { SitesPage } from './pages/SitesPage.tsx';
import { SubmitPage } from './pages/SubmitPage.tsx';
import { WorkersPage } from './pages/workers/WorkersPage.tsx';
import { WorkflowPage, WorkflowsPage } from './pages/workflows/WorkflowPage.tsx';

interface Route {
  pattern: string;
  render(params: Record<string, string>): ReactNode;
}

const computeRoutes: Route[] = [
  { pattern: '/compute/overview', render: () => <OverviewPage /> },
  { pattern: '/compute/map', render: () => <NetworkMapPage /> },
  { pattern: '/compute/sites', render: () => <SitesPage /> },
  { pattern: '/compute/sites/:id', render: (p) => <SiteDetailPage key={p.id} id={p.id ?? ''} /> },
  { pattern: '/compute/jobs', render: () => <JobsPage /> },
  { pattern: '/compute/jobs/:id', render: (p) => <JobDetailPage key={p.id} id={p.id ?? ''} /> },
  { pattern: '/compute/submit', render: () => <SubmitPage /> },
  { pattern: '/compute/workflows', render: () => <WorkflowsPage /> },
  { pattern: '/compute/workflows/:id', render: (p) => <WorkflowPage key={p.id} id={p.id ?? ''} /> },
  { pattern: '/compute/workers', render: () => <WorkersPage initialSite={routeQueryParam('site') ?? ''} /> },
  ...plannerRoutes,
];

// The wall is its own chunk: the console's first load does not carry it.
const WallPage = lazy(() => import('./doors/wall/WallPage.tsx').then((m) => ({ default: m.WallPage })));
const wallRoute: Route = {
  pattern: '/wall',
  render: () => (
    <Suspense fallback={<Loading />}>
      <WallPage />
    </Suspense>
  ),
};

export const routes: readonly Route[] = [...computeRoutes, ...modules.flatMap((m) => m.routes), wallRoute];

export function renderRoute(path: string): ReactNode {
  for (const r of routes) {
    const params = matchPath(r.pattern, path);
    if (params) return r.render(params);
  }
  return <NotFoundPage />;
}
