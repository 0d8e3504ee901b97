import type { Role } from '@shuzhi/schema';
import type { MessageKey } from './i18n/dictionaries.ts';
import { modules } from './modules/registry.ts';

export interface NavItem {
  id: string;
  path: string;
  label: MessageKey;
  /** Roles that see the item; absent = everyone signed in. The server still decides what each call may do. */
  roles?: readonly Role[];
}

export interface NavGroup {
  id: string;
  label: MessageKey;
  items: readonly NavItem[];
}

export const SUBMIT_ROLES = ['tenant', 'operator'] as const satisfies readonly Role[];
/**
 * Who reads the compute network and its jobs: the server answers `/api/jobs` and `/api/flows` (the map's
 * lines) for operators and viewers, and a tenant for its own work (compute/jobs.ts `scope`).
 */
export const COMPUTE_READERS = ['operator', 'viewer', 'tenant'] as const satisfies readonly Role[];

import { plannerNavItem } from './modules/planner/nav.ts';
import { WORKER_ROLES } from './pages/workers/model.ts';

/** Compute's pages, then each module's group in the order of modules/registry.ts. */
const computeNavGroup: NavGroup = {
  id: 'compute',
  label: 'nav.compute',
  items: [
    { id: 'overview', path: '/compute/overview', label: 'nav.compute.overview', roles: COMPUTE_READERS },
    { id: 'map', path: '/compute/map', label: 'nav.compute.map', roles: COMPUTE_READERS },
    { id: 'sites', path: '/compute/sites', label: 'nav.compute.sites', roles: COMPUTE_READERS },
    { id: 'jobs', path: '/compute/jobs', label: 'nav.compute.jobs', roles: COMPUTE_READERS },
    { id: 'submit', path: '/compute/submit', label: 'nav.compute.submit', roles: SUBMIT_ROLES },
    plannerNavItem,
    { id: 'workers', path: '/compute/workers', label: 'workers.nav', roles: WORKER_ROLES },
  ],
};

/** The control-room wall (doors/wall): for the roles whose calls its figures are (compute, render, gov metrics, mine, data). */
export const WALL_ROLES = ['operator', 'viewer'] as const satisfies readonly Role[];
const wallNavGroup: NavGroup = { id: 'wall', label: 'wall.nav', items: [{ id: 'wall', path: '/wall', label: 'wall.nav', roles: WALL_ROLES }] };

export const navGroups: readonly NavGroup[] = [computeNavGroup, ...modules.map((m) => m.nav), wallNavGroup];

export const HOME_PATH = '/compute/overview';

/**
 * Each role's front door: the page it lands on after signing in (and from the brand and "back home" links).
 * Every door is in that role's navigation; roles-browser.test.ts checks both in Chromium.
 */
export const DOORS: Readonly<Record<Role, string>> = {
  citizen: '/gov/app',
  enterprise: '/gov/app',
  window: '/gov/window',
  officer: '/gov/work',
  supervisor: '/gov/dashboard',
  'mine-operator': '/mine',
  'mine-engineer': '/mine',
  programme: '/billing/programme',
  tenant: '/compute/jobs',
  operator: HOME_PATH,
  viewer: HOME_PATH,
};

export function homePath(role: Role | undefined): string {
  return role ? DOORS[role] : HOME_PATH;
}

export function visibleItems(group: NavGroup, role: Role | undefined): NavItem[] {
  return group.items.filter((i) => !i.roles || (role !== undefined && i.roles.includes(role)));
}

/** The nav item a path belongs to (longest prefix), for highlighting detail pages under their list. */
export function activeItemPath(path: string): string | null {
  let best: string | null = null;
  for (const g of navGroups) {
    for (const i of g.items) {
      if ((path === i.path || path.startsWith(`${i.path}/`)) && (!best || i.path.length > best.length)) best = i.path;
    }
  }
  return best;
}

/**
 * Whether the role may open the page at `path`: the nav item it belongs to (its list, for a detail page)
 * lists the role. Pages outside the navigation (public verification, a case opened from a dashboard) are
 * left to the page and the server.
 */
export function allowedFor(path: string, role: Role | undefined): boolean {
  const owner = activeItemPath(path);
  if (owner === null) return true;
  return navGroups.some((g) => visibleItems(g, role).some((i) => i.path === owner));
}
