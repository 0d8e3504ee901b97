import type { NavGroup } from '../../nav.ts';
import type { ModuleRoute } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';
import './gov.css';

const CitizenApplication = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenApplication');
const CitizenApplications = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenApplications');
const CitizenApply = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenApply');
const CitizenCertificates = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenCertificates');
const CitizenHome = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenHome');
const CitizenMe = lazyPage(() => import('./CitizenApp.tsx'), 'CitizenMe');
const DataUse = lazyPage(() => import('./CitizenApp.tsx'), 'DataUse');
const KioskDone = lazyPage(() => import('../../doors/kiosk/pages.tsx'), 'KioskDone');
const KioskHome = lazyPage(() => import('../../doors/kiosk/pages.tsx'), 'KioskHome');
const VerifyPage = lazyPage(() => import('./VerifyPage.tsx'), 'VerifyPage');

/**
 * Who browses the item catalogue: staff and those who oversee the platform. Citizens and companies find it
 * inside their own door (the app's 办事 tab, the kiosk's start screen).
 */
const CATALOGUE_ROLES = ['window', 'officer', 'supervisor', 'operator', 'viewer'] as const;

/** The gov module's navigation: whose door each page is. */
export const govNav: NavGroup = {
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
};

/**
 * The citizen app's and the kiosk's pages (and public verification): apart from the staff pages because the
 * citizen door's own build (vite.door.config.ts) carries these routes only.
 */
export const citizenRoutes: readonly ModuleRoute[] = [
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
  // Also reachable signed in; App.tsx renders /verify/… without login.
  { pattern: '/verify/:id', render: (p) => <VerifyPage key={p.id} id={p.id ?? ''} /> },
];
