import type { ModuleUi } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';

const FarmPage = lazyPage(() => import('./FarmPage.tsx'), 'FarmPage');
const JobPage = lazyPage(() => import('./JobPage.tsx'), 'JobPage');
const NodesPage = lazyPage(() => import('./NodesPage.tsx'), 'NodesPage');

/** The render farm: overview with the job list, job detail (frame grid, preview, tasks, logs), nodes. */
export const ui: ModuleUi | null = {
  nav: {
    id: 'render',
    label: 'nav.render',
    items: [
      { id: 'farm', path: '/render', label: 'nav.render.farm', roles: ['operator', 'viewer', 'tenant'] },
      { id: 'nodes', path: '/render/nodes', label: 'render.nav.nodes', roles: ['operator', 'viewer'] },
    ],
  },
  routes: [
    { pattern: '/render', render: () => <FarmPage /> },
    { pattern: '/render/nodes', render: () => <NodesPage /> },
    { pattern: '/render/jobs/:id', render: (p) => <JobPage key={p.id} id={p.id ?? ''} /> },
  ],
};
