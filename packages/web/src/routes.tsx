import type { ReactNode } from 'react';
import { modules } from './modules/registry.ts';
import { plannerRoutes } from './modules/planner/index.tsx';
import { navGroups } from './nav.ts';
import { matchPath, routeQueryParam } from './router.tsx';
import { ComingPage } from './pages/ComingPage.tsx';
import { JobDetailPage } from './pages/JobDetailPage.tsx';
import { JobsPage } from './pages/JobsPage.tsx';
import { NetworkMapPage } from './pages/NetworkMapPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { SiteDetailPage } from './pages/SiteDetailPage.tsx';
import { SitesPage } from './pages/SitesPage.tsx';
import { SubmitPage } from './pages/SubmitPage.tsx';
import { WorkersPage } from './pages/workers/WorkersPage.tsx';

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
  { pattern: '/compute/workers', render: () => <WorkersPage initialSite={routeQueryParam('site') ?? ''} /> },
  ...plannerRoutes,
];

/** Every `coming` module gets its page from the nav data, so adding a module needs no route code until it ships. */
const comingRoutes: Route[] = navGroups
  .filter((g) => g.state === 'coming')
  .flatMap((g) => g.items.map((i) => ({ pattern: i.path, render: () => <ComingPage group={g} /> })));

export const routes: readonly Route[] = [...computeRoutes, ...modules.flatMap((m) => m.routes), ...comingRoutes];

export function renderRoute(path: string): ReactNode {
  for (const r of routes) {
    const params = matchPath(r.pattern, path);
    if (params) return r.render(params);
  }
  return <NotFoundPage />;
}
