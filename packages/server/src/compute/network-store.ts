import { and, eq, or, sql } from 'drizzle-orm';
import type { Link, Pool, Region, SiteInput, SitePower, SlurmSettings, Tenant } from '@shuzhi/schema';
import { SitePatch } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import { events, links, regions, sites, tenants } from '../db/schema.ts';
import { jobs } from './db-schema.ts';
import { errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';

export type SiteRecord = SiteInput;

const toSite = (r: typeof sites.$inferSelect): SiteRecord => ({
  id: r.id,
  nameZh: r.nameZh,
  nameEn: r.nameEn,
  region: r.region,
  kind: r.kind as SiteRecord['kind'],
  engine: r.engine as SiteRecord['engine'],
  lat: r.lat,
  lon: r.lon,
  pue: r.pue,
  pools: r.pools as Pool[],
  power: r.power as SitePower,
  slurm: (r.slurm as SlurmSettings | null) ?? null,
  ownerTenantId: r.ownerTenantId ?? null,
});

/** A Slurm site is useless without the settings to reach its cluster. */
function requireEngineSettings(s: SiteRecord): void {
  if (s.engine === 'slurm' && !s.slurm) {
    throw errors.validation([{ path: 'slurm', message: 'a site with engine "slurm" needs its Slurm settings (partition, slurm.conf, …)' }]);
  }
}

/** Regions, links, sites and tenants: the operator-edited shape of the network. */
export class NetworkStore {
  /** Sites change rarely and are read on every placement and sync: cache them. */
  private siteCache: Map<string, SiteRecord> | null = null;
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
  ) {}

  async listRegions(): Promise<Region[]> {
    return this.db.select().from(regions).orderBy(regions.id);
  }

  async createRegion(r: Region, actor: string): Promise<Region> {
    await this.write(async (tx, ev) => {
      const [dup] = await tx.select().from(regions).where(eq(regions.id, r.id));
      if (dup) throw errors.conflict('REGION_EXISTS', `Region "${r.id}" already exists.`);
      await tx.insert(regions).values(r);
      await this.bus.record(tx, ev, { kind: 'region.created', entity: 'region', entityId: r.id, actor, data: r });
    });
    return r;
  }

  async updateRegion(id: string, patch: Partial<Omit<Region, 'id'>>, actor: string): Promise<Region> {
    let next: Region | undefined;
    await this.write(async (tx, ev) => {
      const [cur] = await tx.select().from(regions).where(eq(regions.id, id));
      if (!cur) throw errors.notFound('region', id);
      next = { ...cur, ...patch, id };
      await tx.update(regions).set(next).where(eq(regions.id, id));
      await this.bus.record(tx, ev, { kind: 'region.updated', entity: 'region', entityId: id, actor, data: patch });
    });
    return next!;
  }

  async deleteRegion(id: string, actor: string): Promise<void> {
    await this.write(async (tx, ev) => {
      const [cur] = await tx.select().from(regions).where(eq(regions.id, id));
      if (!cur) throw errors.notFound('region', id);
      const used = await tx.select({ id: sites.id }).from(sites).where(eq(sites.region, id));
      if (used.length) throw errors.conflict('REGION_IN_USE', `Region "${id}" still has sites: ${used.map((u) => u.id).join(', ')}.`);
      await tx.delete(links).where(or(eq(links.from, id), eq(links.to, id)));
      await tx.delete(regions).where(eq(regions.id, id));
      await this.bus.record(tx, ev, { kind: 'region.deleted', entity: 'region', entityId: id, actor });
    });
  }

  async deleteLink(from: string, to: string, actor: string): Promise<void> {
    await this.write(async (tx, ev) => {
      const gone = await tx
        .delete(links)
        .where(and(eq(links.from, from), eq(links.to, to)))
        .returning({ from: links.from });
      if (!gone.length) throw errors.notFound('link', `${from}-${to}`);
      await this.bus.record(tx, ev, { kind: 'link.deleted', entity: 'link', entityId: `${from}-${to}`, actor });
    });
  }

  async listLinks(): Promise<Link[]> {
    return this.db.select().from(links);
  }

  async upsertLink(l: Link, actor: string): Promise<Link> {
    await this.write(async (tx, ev) => {
      for (const id of [l.from, l.to]) {
        const [r] = await tx.select().from(regions).where(eq(regions.id, id));
        if (!r) throw errors.notFound('region', id);
      }
      if (l.from === l.to) throw errors.validation([{ path: 'to', message: 'a link joins two different regions' }]);
      await tx
        .insert(links)
        .values(l)
        .onConflictDoUpdate({ target: [links.from, links.to], set: { gbps: l.gbps, fenPerGB: l.fenPerGB } });
      await this.bus.record(tx, ev, { kind: 'link.saved', entity: 'link', entityId: `${l.from}-${l.to}`, actor, data: l });
    });
    return l;
  }

  async sitesById(): Promise<Map<string, SiteRecord>> {
    if (!this.siteCache) {
      const rows = await this.db.select().from(sites).orderBy(sites.id);
      this.siteCache = new Map(rows.map((r) => [r.id, toSite(r)]));
    }
    return this.siteCache;
  }

  async listSites(): Promise<SiteRecord[]> {
    return [...(await this.sitesById()).values()];
  }

  async getSite(id: string): Promise<SiteRecord> {
    const s = (await this.sitesById()).get(id);
    if (!s) throw errors.notFound('site', id);
    return s;
  }

  /** Whether a site of this id was ever created (the event log keeps deleted ones). */
  async siteEverExisted(id: string): Promise<boolean> {
    const [e] = await this.db
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.entity, 'site'), eq(events.entityId, id), eq(events.kind, 'site.created')))
      .limit(1);
    return e !== undefined;
  }

  private async requireTenant(tx: Pick<Db, 'select'>, tenantId: string | null): Promise<void> {
    if (tenantId === null) return;
    const [t] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
    if (!t) throw errors.validation([{ path: 'ownerTenantId', message: `unknown tenant "${tenantId}"` }]);
  }

  async createSite(s: SiteInput, actor: string): Promise<SiteRecord> {
    requireEngineSettings(s);
    await this.write(async (tx, ev) => {
      const [r] = await tx.select().from(regions).where(eq(regions.id, s.region));
      if (!r) throw errors.validation([{ path: 'region', message: `unknown region "${s.region}"` }]);
      const [dup] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.id, s.id));
      if (dup) throw errors.conflict('SITE_EXISTS', `Site "${s.id}" already exists.`);
      await this.requireTenant(tx, s.ownerTenantId ?? null);
      await tx.insert(sites).values({ ...s });
      await this.bus.record(tx, ev, { kind: 'site.created', entity: 'site', entityId: s.id, actor, data: { id: s.id } });
    });
    return s;
  }

  async updateSite(id: string, patch: ReturnType<typeof SitePatch.parse>, actor: string): Promise<SiteRecord> {
    const current = await this.getSite(id);
    const next: SiteRecord = { ...current, ...patch, id };
    requireEngineSettings(next);
    await this.write(async (tx, ev) => {
      if (patch.region) {
        const [r] = await tx.select().from(regions).where(eq(regions.id, patch.region));
        if (!r) throw errors.validation([{ path: 'region', message: `unknown region "${patch.region}"` }]);
      }
      if (patch.ownerTenantId !== undefined) await this.requireTenant(tx, patch.ownerTenantId);
      await tx
        .update(sites)
        .set({ ...next, updatedAt: new Date() })
        .where(eq(sites.id, id));
      await this.bus.record(tx, ev, {
        kind: 'site.updated',
        entity: 'site',
        entityId: id,
        actor,
        data: { fields: Object.keys(patch) },
      });
    });
    return next;
  }

  async deleteSite(id: string, actor: string): Promise<void> {
    await this.getSite(id);
    await this.write(async (tx, ev) => {
      const [{ n } = { n: 0 }] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(jobs)
        .where(eq(jobs.siteId, id));
      if (n > 0) throw errors.conflict('SITE_IN_USE', `Site "${id}" has ${n} jobs; it cannot be deleted.`);
      await tx.delete(sites).where(eq(sites.id, id));
      await this.bus.record(tx, ev, { kind: 'site.deleted', entity: 'site', entityId: id, actor });
    });
  }

  async listTenants(): Promise<Tenant[]> {
    const rows = await this.db.select().from(tenants).orderBy(tenants.id);
    return rows.map((t) => ({ id: t.id, name: t.name, kind: t.kind as Tenant['kind'] }));
  }

  async createTenant(t: Tenant, actor: string): Promise<Tenant> {
    await this.write(async (tx, ev) => {
      const [dup] = await tx.select().from(tenants).where(eq(tenants.id, t.id));
      if (dup) throw errors.conflict('TENANT_EXISTS', `Tenant "${t.id}" already exists.`);
      await tx.insert(tenants).values(t);
      await this.bus.record(tx, ev, { kind: 'tenant.created', entity: 'tenant', entityId: t.id, tenantId: t.id, actor });
    });
    return t;
  }

  private async write(fn: (tx: Parameters<Parameters<Db['transaction']>[0]>[0], ev: PublishedEvent[]) => Promise<void>) {
    const ev: PublishedEvent[] = [];
    await this.db.transaction((tx) => fn(tx, ev));
    // Listeners read the network again on these events: they must not get the cached copy.
    this.siteCache = null;
    this.bus.publish(ev);
  }
}
