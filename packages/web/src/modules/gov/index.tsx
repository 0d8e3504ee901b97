import type { ModuleUi } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';
import './gov.css';

const CataloguePage = lazyPage(() => import('./CataloguePage.tsx'), 'CataloguePage');
const CitizenApplication = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenApplication');
const CitizenApplications = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenApplications');
const CitizenApply = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenApply');
const CitizenCertificates = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenCertificates');
const CitizenHome = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenHome');
const CitizenMe = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenMe');
const DataUse = lazyPage(() => import('./CitizenApp.tsx'), 'DataUse');
const KioskDone = lazyPage(() => import('../../doors/kiosk/pages.tsx'), 'KioskDone');
const KioskHome = lazyPage(() => import('../../doors/kiosk/pages.tsx'), 'KioskHome');
const DashboardPage = lazyPage(() => import('./DashboardPage.tsx'), 'DashboardPage');
const OfficerWorkbench = lazyPage(() => import('./StaffPages.tsx'), 'OfficerWorkbench');
const StaffApplication = lazyPage(() => import('./StaffPages.tsx'), 'StaffApplication');
const WindowWorkbench = lazyPage(() => import('./StaffPages.tsx'), 'WindowWorkbench');
const VerifyPage = lazyPage(() => import('./VerifyPage.tsx'), 'VerifyPage');

/**
 * Who browses the item catalogue: staff and those who oversee the platform. Citizens and companies find it
 * inside their own door (the app's 办事 tab, the kiosk's start screen).
 */
const CATALOGUE_ROLES = ['window', 'officer', 'supervisor', 'operator', 'viewer'] as const;

/** 高效办成一件事: the citizen app (phone layout), window, kiosk, officer workbench, supervisor dashboard, public verification. */
export const ui: ModuleUi = {
  nav: {
    id: 'gov',
    label: 'nav.gov',
    items: [
      { id: 'catalogue', path: '/gov', label: 'gov.nav.catalogue', roles: CATALOGUE_ROLES },
      { id: 'app', path: '/gov/app', label: 'gov.nav.app', roles: ['citizen', 'enterprise'] },
      { id: 'kiosk', path: '/gov/kiosk', label: 'gov.nav.kiosk', roles: ['citizen', 'enterprise'] },
      { id: 'window', path: '/gov/window', label: 'gov.nav.window', roles: ['window'] },
      { id: 'work', path: '/gov/work', label: 'gov.nav.work', roles: ['officer', 'supervisor'] },
      { id: 'dashboard', path: '/gov/dashboard', label: 'gov.nav.dashboard', roles: ['supervisor', 'operator', 'viewer'] },
    ],
  },
  routes: [
    { pattern: '/gov', render: () => <CataloguePage /> },
    { pattern: '/gov/app', render: () => <CitizenHome /> },
    { pattern: '/gov/app/all', render: () => <CitizenHome all /> },
    { pattern: '/gov/app/apply/:itemId', render: (p) => <CitizenApply key={p.itemId} itemId={p.itemId ?? ''} /> },
    { pattern: '/gov/app/applications', render: () => <CitizenApplications /> },
    { pattern: '/gov/app/applications/:id', render: (p) => <CitizenApplication key={p.id} id={p.id ?? ''} /> },
    { pattern: '/gov/app/certificates', render: () => <CitizenCertificates /> },
    { pattern: '/gov/app/me', render: () => <CitizenMe /> },
    { pattern: '/gov/app/data', render: () => <DataUse /> },
    { pattern: '/gov/kiosk', render: () => <KioskHome /> },
    { pattern: '/gov/kiosk/apply/:itemId', render: (p) => <CitizenApply key={p.itemId} itemId={p.itemId ?? ''} channel="kiosk" /> },
    { pattern: '/gov/kiosk/done/:id', render: (p) => <KioskDone id={p.id ?? ''} /> },
    { pattern: '/gov/window', render: () => <WindowWorkbench /> },
    { pattern: '/gov/work', render: () => <OfficerWorkbench /> },
    { pattern: '/gov/work/:id', render: (p) => <StaffApplication key={p.id} id={p.id ?? ''} /> },
    { pattern: '/gov/applications/:id', render: (p) => <StaffApplication key={p.id} id={p.id ?? ''} /> },
    { pattern: '/gov/dashboard', render: () => <DashboardPage /> },
    // Also reachable signed in; App.tsx renders /verify/… without login.
    { pattern: '/verify/:id', render: (p) => <VerifyPage key={p.id} id={p.id ?? ''} /> },
  ],
};
