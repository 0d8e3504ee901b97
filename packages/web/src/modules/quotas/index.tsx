import type { ModuleUi } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';

const QuotasPage = lazyPage(() => import('./QuotasPage.tsx'), 'QuotasPage');

/** Quotas, cohorts and fair share: a tenant sees its own; operators see every tenant and set quotas. */
export const ui: ModuleUi | null = {
  nav: {
    id: 'quotas',
    label: 'quotas.nav',
    items: [{ id: 'home', path: '/quotas', label: 'quotas.nav', roles: ['tenant', 'operator', 'viewer'] }],
  },
  routes: [{ pattern: '/quotas', render: () => <QuotasPage /> }],
};
