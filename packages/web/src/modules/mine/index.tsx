import type { ModuleUi } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';
import { ENGINEER_ROLES, WATCH_ROLES } from './model.ts';
import './mine.css';

const AlarmsPage = lazyPage(() => import('./AlarmsPage.tsx'), 'AlarmsPage');
const AuditPage = lazyPage(() => import('./AuditPage.tsx'), 'AuditPage');
const ControlPage = lazyPage(() => import('./ControlPage.tsx'), 'ControlPage');
const FacePage = lazyPage(() => import('./FacePage.tsx'), 'FacePage');
const FleetPage = lazyPage(() => import('./FleetPage.tsx'), 'FleetPage');
const MineOverviewTiles = lazyPage(() => import('./FleetPage.tsx'), 'MineOverviewTiles');
const SettingsPage = lazyPage(() => import('./SettingsPage.tsx'), 'SettingsPage');

/** The mine module: control room, face HMI, alarms, audit, regional fleet, engineering settings. */
export const ui: ModuleUi | null = {
  nav: {
    id: 'mine',
    label: 'nav.mine',
    items: [
      { id: 'control', path: '/mine', label: 'nav.mine.control', roles: WATCH_ROLES },
      { id: 'alarms', path: '/mine/alarms', label: 'mine.nav.alarms', roles: WATCH_ROLES },
      { id: 'fleet', path: '/mine/fleet', label: 'mine.nav.fleet', roles: WATCH_ROLES },
      { id: 'audit', path: '/mine/audit', label: 'mine.nav.audit', roles: WATCH_ROLES },
      { id: 'settings', path: '/mine/settings', label: 'mine.nav.settings', roles: [...ENGINEER_ROLES, 'viewer'] },
    ],
  },
  routes: [
    { pattern: '/mine', render: () => <ControlPage /> },
    { pattern: '/mine/faces/:id', render: (p) => <FacePage key={p.id} id={p.id ?? ''} /> },
    { pattern: '/mine/alarms', render: () => <AlarmsPage /> },
    { pattern: '/mine/fleet', render: () => <FleetPage /> },
    { pattern: '/mine/audit', render: () => <AuditPage /> },
    { pattern: '/mine/settings', render: () => <SettingsPage /> },
  ],
  overviewTiles: MineOverviewTiles,
  overviewTileRoles: WATCH_ROLES,
};
