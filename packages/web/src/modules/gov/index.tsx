import type { ModuleUi } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';
import { citizenRoutes, govNav } from './citizen.tsx';

const CataloguePage = lazyPage(() => import('./CataloguePage.tsx'), 'CataloguePage');
const DashboardPage = lazyPage(() => import('./DashboardPage.tsx'), 'DashboardPage');
const OfficerWorkbench = lazyPage(() => import('./StaffPages.tsx'), 'OfficerWorkbench');
const StaffApplication = lazyPage(() => import('./StaffPages.tsx'), 'StaffApplication');
const WindowWorkbench = lazyPage(() => import('./StaffPages.tsx'), 'WindowWorkbench');

/** 高效办成一件事: the citizen app (phone layout), window, kiosk, officer workbench, supervisor dashboard, public verification. */
export const ui: ModuleUi = {
  nav: govNav,
  routes: [
    { pattern: '/gov', render: () => <CataloguePage /> },
    { pattern: '/gov/window', render: () => <WindowWorkbench /> },
    { pattern: '/gov/work', render: () => <OfficerWorkbench /> },
    { pattern: '/gov/work/:id', render: (p) => <StaffApplication key={p.id} id={p.id ?? ''} /> },
    { pattern: '/gov/dashboard', render: () => <DashboardPage /> },
    { pattern: '/gov/applications/:id', render: (p) => <StaffApplication key={p.id} id={p.id ?? ''} /> },
    ...citizenRoutes,
  ],
};
