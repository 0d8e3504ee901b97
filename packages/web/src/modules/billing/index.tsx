import type { ModuleUi } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';

const ProgrammePage = lazyPage(() => import('./ProgrammePage.tsx'), 'ProgrammePage');
const RevenuePage = lazyPage(() => import('./RevenuePage.tsx'), 'RevenuePage');
const StatementPage = lazyPage(() => import('./StatementPage.tsx'), 'StatementPage');
const WalletPage = lazyPage(() => import('./WalletPage.tsx'), 'WalletPage');

const tenantOf = () => new URLSearchParams(typeof location === 'undefined' ? '' : location.search).get('tenantId') ?? undefined;

/** Billing: tenant wallet and statements, the programme admin's desk, the operator's revenue. */
export const ui: ModuleUi | null = {
  nav: {
    id: 'billing',
    label: 'nav.billing',
    items: [
      { id: 'home', path: '/billing', label: 'billing.nav.wallet', roles: ['tenant', 'operator', 'viewer'] },
      { id: 'programme', path: '/billing/programme', label: 'billing.nav.programme', roles: ['programme', 'operator', 'viewer'] },
      { id: 'revenue', path: '/billing/revenue', label: 'billing.nav.revenue', roles: ['operator', 'viewer'] },
    ],
  },
  routes: [
    { pattern: '/billing', render: () => <WalletPage /> },
    { pattern: '/billing/programme', render: () => <ProgrammePage /> },
    { pattern: '/billing/revenue', render: () => <RevenuePage /> },
    { pattern: '/billing/statements/:month', render: (p) => <StatementPage key={p.month} month={p.month ?? ''} tenantId={tenantOf()} /> },
  ],
};
