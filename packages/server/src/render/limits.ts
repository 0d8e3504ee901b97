import { eq } from 'drizzle-orm';
import type { JobLimits, LimitUse } from '@shuzhi/render';
import type { RenderLimit, RenderTenantCapPut } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { errors } from '../errors.ts';
import { renderLimits } from './db-schema.ts';
import type { FarmState, JobMeta } from './state.ts';
import { tenantScope } from './views.ts';

type LimitRow = typeof renderLimits.$inferSelect;

/** The dispatcher's name of a tenant's cap; licence names cannot contain ':' so they never clash. */
export function tenantLimitName(tenantId: string): string {
  return `tenant:${tenantId}`;
}

/** What a job's tasks hold in the dispatcher: its named licences, its tenant's cap, its own maxNodes. */
export function jobLimitsOf(m: Pick<JobMeta, 'spec' | 'tenantId'>): JobLimits {
  return { limits: [...m.spec.limits, tenantLimitName(m.tenantId)], maxNodes: m.spec.maxNodes };
}

/** The capacity the dispatcher enforces for a row: the lower of the ceiling and the tenant's own cap. */
export function effectiveCapacity(r: Pick<LimitRow, 'capacity' | 'ownCapacity'>): number | null {
  const caps = [r.capacity, r.ownCapacity].filter((c): c is number => c !== null);
  return caps.length ? Math.min(...caps) : null;
}

/**
 * Limit definitions: stored in render_limits, mirrored in memory (for submission checks and the farm
 * page) and in the dispatcher, which alone counts the units held. Operators define licences and
 * tenants' ceilings; a tenant sets its own cap within its ceiling.
 */
export class FarmLimits {
  private rows = new Map<string, LimitRow>();

  constructor(
    private readonly db: Db,
    private readonly state: FarmState,
  ) {}

  /** Reads the definitions (restore); the caller hands `definitions()` to the rebuilt dispatcher. */
  async load(): Promise<void> {
    this.rows = new Map((await this.db.select().from(renderLimits)).map((r) => [r.name, r]));
  }

  definitions(): { name: string; capacity: number }[] {
    return [...this.rows.values()].flatMap((r) => {
      const c = effectiveCapacity(r);
      return c === null ? [] : [{ name: r.name, capacity: c }];
    });
  }

  /** A job may name only licences an operator defined: field `limits.<i>` otherwise. */
  checkNames(names: readonly string[]): void {
    const bad = names.flatMap((n, i) => (this.rows.get(n)?.kind === 'licence' ? [] : [{ path: `limits.${i}`, message: `no licence limit named "${n}" (an operator defines it: shuzhi render limit set ${n} <count>)` }]));
    if (bad.length) throw errors.validation(bad);
  }

  async setLicence(p: Principal, name: string, capacity: number): Promise<RenderLimit> {
    if (p.role !== 'operator') throw errors.forbidden('define licence limits');
    await this.store({ name, kind: 'licence', tenantId: null, capacity, ownCapacity: null, updatedBy: p.userId, updatedAt: new Date(this.state.clock.now()) });
    return this.view(p, name)!;
  }

  async removeLicence(p: Principal, name: string): Promise<void> {
    if (p.role !== 'operator') throw errors.forbidden('remove licence limits');
    const row = this.rows.get(name);
    if (row?.kind !== 'licence') throw errors.notFound('licence limit', name);
    const inUse = [...this.state.jobs.values()].find((m) => m.spec.limits.includes(name) && !['completed', 'failed', 'cancelled'].includes(this.state.jobStatus(m).state));
    if (inUse) throw errors.validation([{ path: 'name', message: `job ${inUse.id} still needs ${name}; cancel or finish it first` }]);
    await this.db.delete(renderLimits).where(eq(renderLimits.name, name));
    this.rows.delete(name);
    this.state.engine.defineLimit(name, null);
  }

  /** An operator sets a tenant's ceiling; the tenant sets its own cap, never above the ceiling. */
  async setTenantCap(p: Principal, input: RenderTenantCapPut): Promise<RenderLimit> {
    const operator = p.role === 'operator';
    if (!operator && input.tenantId && input.tenantId !== p.tenantId) throw errors.forbidden('set the cap of another tenant');
    const tenantId = operator ? input.tenantId : p.tenantId;
    if (!tenantId) throw errors.validation([{ path: 'tenantId', message: 'operators must name the tenant whose cap they set' }]);
    if (operator) {
      const [known] = await this.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
      if (!known) throw errors.validation([{ path: 'tenantId', message: `unknown tenant "${tenantId}"` }]);
    }
    const name = tenantLimitName(tenantId);
    const prev = this.rows.get(name);
    const row: LimitRow = {
      name,
      kind: 'tenant',
      tenantId,
      capacity: operator ? input.capacity : (prev?.capacity ?? null),
      ownCapacity: operator ? (prev?.ownCapacity ?? null) : input.capacity,
      updatedBy: p.userId,
      updatedAt: new Date(this.state.clock.now()),
    };
    if (!operator && input.capacity !== null && row.capacity !== null && input.capacity > row.capacity) {
      throw errors.validation([{ path: 'capacity', message: `at most ${row.capacity}, the cap the operator allows this tenant` }]);
    }
    await this.store(row);
    return this.view(p, name)!;
  }

  /** Every limit the caller may see, with its use; a tenant sees licences and its own cap, and only its own jobs as holders. */
  list(p: Principal): RenderLimit[] {
    const uses = new Map(this.state.engine.limits().map((l) => [l.name, l]));
    // A tenant's cap shows once defined; until then its use is its running tasks, on the job pages.
    const names = new Set([...this.rows.keys(), ...[...uses.keys()].filter((n) => !n.startsWith('tenant:'))]);
    return [...names]
      .sort()
      .map((n) => this.view(p, n, uses.get(n)))
      .filter((v): v is RenderLimit => v !== null);
  }

  private view(p: Principal, name: string, use: LimitUse | undefined = this.state.engine.limits().find((l) => l.name === name)): RenderLimit | null {
    const scope = tenantScope(p);
    const row = this.rows.get(name);
    const tenantId = row?.tenantId ?? (name.startsWith('tenant:') ? name.slice('tenant:'.length) : null);
    if (scope && tenantId !== null && tenantId !== scope) return null;
    if (!row && !use) return null;
    const holders: RenderLimit['holders'] = [];
    let othersHeld = 0;
    for (const h of use?.holders ?? []) {
      const m = this.state.jobs.get(h.jobId);
      if (m && (!scope || m.tenantId === scope)) holders.push({ jobId: h.jobId, jobName: m.name, tenantId: m.tenantId, held: h.held });
      else othersHeld += h.held;
    }
    return {
      name,
      kind: row?.kind ?? (tenantId === null ? 'licence' : 'tenant'),
      tenantId,
      capacity: row ? effectiveCapacity(row) : null,
      ceiling: row?.capacity ?? null,
      own: row?.ownCapacity ?? null,
      held: use?.held ?? 0,
      holders,
      othersHeld,
    };
  }

  private async store(row: LimitRow): Promise<void> {
    const { name, ...set } = row;
    await this.db.insert(renderLimits).values(row).onConflictDoUpdate({ target: renderLimits.name, set });
    this.rows.set(name, row);
    this.state.engine.defineLimit(name, effectiveCapacity(row));
  }
}
