import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { JobTypeInvalidError, parseJobType, typedJobIssues } from '@shuzhi/render';
import type { RenderJobType, RenderJobTypeDoc } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { errors } from '../errors.ts';
import { renderJobTypes } from './db-schema.ts';
import { tenantScope } from './views.ts';

/** The job types shipped with the farm: the JSON files of @shuzhi/render/job-types, validated as uploads are. */
function loadShipped(): RenderJobTypeDoc[] {
  const dir = dirname(createRequire(import.meta.url).resolve('@shuzhi/render/job-types/blender.json'));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseJobType(JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'))));
}

/** Job types a studio may use: the shipped ones and its own, which it uploads without any server change. */
export class JobTypes {
  readonly shipped: readonly RenderJobTypeDoc[] = loadShipped();

  constructor(private readonly db: Db) {}

  async list(p: Principal): Promise<RenderJobType[]> {
    const scope = tenantScope(p);
    const own = await this.db.select().from(renderJobTypes).where(scope ? eq(renderJobTypes.tenantId, scope) : undefined).orderBy(renderJobTypes.tenantId, renderJobTypes.name);
    return [
      ...this.shipped.map((d) => ({ ...d, origin: 'shipped' as const, tenantId: null })),
      ...own.map((r) => ({ ...parseJobType(r.doc), origin: 'tenant' as const, tenantId: r.tenantId })),
    ];
  }

  /** The type a tenant's job names: a shipped one, else the tenant's own (never another tenant's). */
  async find(tenantId: string, name: string): Promise<RenderJobTypeDoc | null> {
    const shipped = this.shipped.find((d) => d.name === name);
    if (shipped) return shipped;
    const [row] = await this.db.select().from(renderJobTypes).where(and(eq(renderJobTypes.tenantId, tenantId), eq(renderJobTypes.name, name)));
    return row ? parseJobType(row.doc) : null;
  }

  /** Stores (or replaces) the tenant's type; a shipped type's name is not the studio's to reuse. */
  async put(p: Principal, input: unknown, asked?: string): Promise<RenderJobType> {
    if (p.role !== 'operator' && asked && asked !== p.tenantId) throw errors.forbidden('store job types for another tenant');
    const tenantId = p.role === 'operator' ? (asked ?? p.tenantId) : p.tenantId;
    if (!tenantId) throw errors.validation([{ path: 'tenantId', message: 'operators must name the tenant the job type is for' }]);
    const doc = parseJobType(input);
    // What nodes cannot run is refused now, not at the first submit (one scene input at most, outputs a node can publish).
    const runnable = typedJobIssues(doc);
    if (runnable.length) throw new JobTypeInvalidError(runnable.map((i) => ({ path: i.path.replace(/^type\./, ''), message: i.message })));
    if (this.shipped.some((s) => s.name === doc.name)) throw errors.validation([{ path: 'name', message: `${doc.name} is a shipped job type; choose another name` }]);
    const row = { tenantId, name: doc.name, doc: doc as unknown as Record<string, unknown>, createdBy: p.userId };
    await this.db.insert(renderJobTypes).values(row).onConflictDoUpdate({ target: [renderJobTypes.tenantId, renderJobTypes.name], set: { doc: row.doc, createdBy: row.createdBy, createdAt: new Date() } });
    return { ...doc, origin: 'tenant', tenantId };
  }
}
