import { describe, expect, it } from 'vitest';
import { Roles } from '@shuzhi/schema';
import { DOORS, allowedFor, homePath, navGroups, visibleItems } from '../src/nav.ts';
import { routes } from '../src/routes.tsx';
import { matchPath } from '../src/router.tsx';

const navOf = (role: (typeof Roles)[number]) => navGroups.flatMap((g) => visibleItems(g, role).map((i) => i.path));

describe('front doors', () => {
  it.each(Roles)('%s lands on a page of its own navigation, and the page exists', (role) => {
    const door = homePath(role);
    expect(door).toBe(DOORS[role]);
    expect(navOf(role)).toContain(door);
    expect(routes.some((r) => matchPath(r.pattern, door))).toBe(true);
  });

  it('the compute network is not in the navigation of the people of the public services, the mine or the vouchers', () => {
    for (const role of ['citizen', 'enterprise', 'window', 'officer', 'supervisor', 'mine-operator', 'mine-engineer', 'programme'] as const) {
      expect(navOf(role).filter((p) => p.startsWith('/compute/'))).toEqual([]);
    }
    expect(navOf('tenant')).toContain('/compute/jobs');
    expect(navOf('operator')).toContain('/compute/overview');
  });

  it('a citizen sees the citizen app and the kiosk, not the staff pages', () => {
    const nav = navOf('citizen');
    expect(nav).toEqual(expect.arrayContaining(['/gov/app', '/gov/kiosk']));
    for (const staff of ['/gov/window', '/gov/work', '/gov/dashboard', '/mine', '/billing', '/data']) expect(nav).not.toContain(staff);
  });

  it('a page, or a detail page under it, opens only for the roles its nav item lists', () => {
    expect(allowedFor('/compute/overview', 'citizen')).toBe(false);
    expect(allowedFor('/compute/jobs/job_1', 'officer')).toBe(false);
    expect(allowedFor('/compute/jobs/job_1', 'tenant')).toBe(true);
    expect(allowedFor('/gov/app/apply/item_newborn', 'citizen')).toBe(true);
    expect(allowedFor('/gov/app/apply/item_newborn', 'tenant')).toBe(false);
    expect(allowedFor('/gov/work/app_1', 'officer')).toBe(true);
    expect(allowedFor('/gov/applications/app_1', 'supervisor')).toBe(true);
    expect(allowedFor('/mine/faces/face-1', 'mine-operator')).toBe(true);
    expect(allowedFor('/mine/faces/face-1', 'citizen')).toBe(false);
    // Outside the navigation: left to the page (public verification needs no role at all).
    expect(allowedFor('/verify/cert_1', 'citizen')).toBe(true);
  });
});
