import type { ReactNode } from 'react';
import { lazyPage } from './lazyPage.ts';
import { modules } from './modules/registry.ts';
import { plannerRoutes } from './modules/planner/index.tsx';
import { routeQueryParam } from './router.tsx';
import { renderFrom, type Route } from './routeTable.tsx';

const JobDetailPage = lazyPage(() => import('./pages/JobDetailPage.tsx'), 'JobDetailPage');
const JobsPage = lazyPage(() => import('./pages/JobsPage.tsx'), 'JobsPage');
const NetworkMapPage = lazyPage(() => import('./pages/NetworkMapPage.tsx'), 'NetworkMapPage');
const OverviewPage = lazyPage(() => import('./pages/OverviewPage.tsx'), 'OverviewPage');
const SiteDetailPage = lazyPage(() => import('./pages/SiteDetailPage.tsx'), 'SiteDetailPage');
const SitesPage = lazyPage(() => import('./pages/SitesPage.tsx'), 'SitesPage');
const SubmitPage = lazyPage(() => import('./pages/SubmitPage.tsx'), 'SubmitPage');
const WorkersPage = lazyPage(() => import('./pages/workers/WorkersPage.tsx'), 'WorkersPage');
const WorkflowPage = lazyPage(() => import('./pages/workflows/WorkflowPage.tsx'), 'WorkflowPage');
const WorkflowsPage = lazyPage(() => import('./pages/workflows/WorkflowPage.tsx'), 'WorkflowsPage');
const WallPage = lazyPage(() => import('./doors/wall/WallPage.tsx'), 'WallPage');

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

const wallRoute: Route = { pattern: '/wall', render: () => <WallPage /> };

export const routes: readonly Route[] = [...computeRoutes, ...modules.flatMap((m) => m.routes), wallRoute];

export function renderRoute(path: string): ReactNode {
  return renderFrom(routes, path);
}
