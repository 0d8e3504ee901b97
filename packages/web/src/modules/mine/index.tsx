import type { ModuleUi } from '../types.ts';
import { AlarmsPage } from './AlarmsPage.tsx';
import { AuditPage } from './AuditPage.tsx';
import { ControlPage } from './ControlPage.tsx';
import { FacePage } from './FacePage.tsx';
import { FleetPage, MineOverviewTiles } from './FleetPage.tsx';
import { SettingsPage } from './SettingsPage.tsx';
import { ENGINEER_ROLES, WATCH_ROLES } from './model.ts';
import './mine.css';

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
