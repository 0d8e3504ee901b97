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
  /** `coming` groups show one page listing what the module will hold. */
  state: 'live' | 'coming';
  items: readonly NavItem[];
  /** For `coming` groups: what the page promises. */
  coming?: readonly MessageKey[];
}

export const SUBMIT_ROLES = ['tenant', 'operator'] as const satisfies readonly Role[];

import { plannerNavItem } from './modules/planner/nav.ts';
import { WORKER_ROLES } from './pages/workers/model.ts';

/** One entry per module; adding a module is adding a group here and its routes in routes.tsx. */
const baseNavGroups: readonly NavGroup[] = [
  {
    id: 'compute',
    label: 'nav.compute',
    state: 'live',
    items: [
      { id: 'overview', path: '/compute/overview', label: 'nav.compute.overview' },
      { id: 'map', path: '/compute/map', label: 'nav.compute.map' },
      { id: 'sites', path: '/compute/sites', label: 'nav.compute.sites' },
      { id: 'jobs', path: '/compute/jobs', label: 'nav.compute.jobs' },
      { id: 'submit', path: '/compute/submit', label: 'nav.compute.submit', roles: SUBMIT_ROLES },
      plannerNavItem,
      { id: 'workers', path: '/compute/workers', label: 'workers.nav', roles: WORKER_ROLES },
    ],
  },
  {
    id: 'billing',
    label: 'nav.billing',
    state: 'coming',
    items: [{ id: 'home', path: '/billing', label: 'nav.billing.home' }],
    coming: ['coming.billing.1', 'coming.billing.2', 'coming.billing.3'],
  },
  {
    id: 'render',
    label: 'nav.render',
    state: 'coming',
    items: [{ id: 'farm', path: '/render', label: 'nav.render.farm' }],
    coming: ['coming.render.1', 'coming.render.2', 'coming.render.3', 'coming.render.4'],
  },
  {
    id: 'gov',
    label: 'nav.gov',
    state: 'coming',
    items: [{ id: 'services', path: '/gov', label: 'nav.gov.services' }],
    coming: ['coming.gov.1', 'coming.gov.2', 'coming.gov.3', 'coming.gov.4'],
  },
  {
    id: 'mine',
    label: 'nav.mine',
    state: 'coming',
    items: [{ id: 'control', path: '/mine', label: 'nav.mine.control' }],
    coming: ['coming.mine.1', 'coming.mine.2', 'coming.mine.3', 'coming.mine.4'],
  },
];

/** A module that has shipped replaces its "coming" group (same id) with its own. */
export const navGroups: readonly NavGroup[] = baseNavGroups.map((g) => modules.find((m) => m.nav.id === g.id)?.nav ?? g);

export const HOME_PATH = '/compute/overview';

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
