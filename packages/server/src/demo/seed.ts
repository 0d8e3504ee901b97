import type { Platform } from '../platform.ts';
import { demoLinks, demoRegions, demoSites, demoTenants, demoUsers } from './network.ts';

export interface DemoCredentials {
  users: { username: string; password: string; role: string }[];
}

const SITES_ADDED_LATER = ['xju-hpc'];

export const demoPassword = (username: string) => `${username}-demo`;

/** Seeds the demo network once; later starts find it. */
export async function seedDemo(p: Platform): Promise<DemoCredentials> {
  const actor = 'seed';
  const existing = new Set((await p.compute.network.listRegions()).map((r) => r.id));
  if (!existing.has('xinjiang')) {
    for (const r of demoRegions) await p.compute.network.createRegion(r, actor);
    for (const l of demoLinks) await p.compute.network.upsertLink(l, actor);
    for (const s of demoSites) await p.compute.network.createSite(s, actor);
    for (const t of demoTenants) await p.compute.network.createTenant(t, actor);
    for (const u of demoUsers) {
      await p.auth.createUser({ ...u, password: demoPassword(u.username) });
    }
  }
  else {
    // Demo sites added after a database was first seeded appear there too (once: the event log remembers).
    const added = demoSites.filter((s) => SITES_ADDED_LATER.includes(s.id));
    for (const s of added) {
      if (!(await p.compute.network.siteEverExisted(s.id))) await p.compute.network.createSite(s, actor);
    }
  }
  return {
    users: demoUsers.map((u) => ({ username: u.username, password: demoPassword(u.username), role: u.role })),
  };
}
