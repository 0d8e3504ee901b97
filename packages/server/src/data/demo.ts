import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, isNull } from 'drizzle-orm';
import { DataProductInput, DataQuery, type DataProduct } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import { demoTenants } from '../demo/network.ts';
import type { ModuleContext } from '../module.ts';
import { dataScenarios } from './db-schema.ts';
import type { DataServerModule } from './module.ts';
import { demoProducts, type DemoProduct } from './seed/catalogue.ts';
import { cottonFieldsCsv } from './seed/cotton-fields.ts';

const CONSUMER = { username: 'tenant', tenantId: 'tianshan-ai' };
const SETTLE_MS = 120_000;

/**
 * The demo's three products (green, science, agriculture) at a Xinjiang site, each with its scenario.
 * Idempotent: a scenario already stored means its product is there.
 */
export async function seedDataDemo(ctx: ModuleContext, m: DataServerModule): Promise<string[]> {
  const operator = await ctx.auth.byOperatorName();
  if (!operator) return [];
  await ensureProviders(ctx);
  const seeded = new Set((await ctx.db.select({ id: dataScenarios.id }).from(dataScenarios)).map((r) => r.id));
  const lines: string[] = [];
  for (const d of demoProducts) {
    if (seeded.has(d.scenarioId)) continue;
    const product = await m.products.register(operator, DataProductInput.parse(d.input));
    await ingest(ctx, m, operator, product, d);
    await ctx.db.insert(dataScenarios).values({
      id: d.scenarioId,
      domain: d.input.domain,
      title: d.scenario.title,
      description: d.scenario.description,
      productIds: [product.id],
      synthetic: d.input.synthetic,
      createdAt: new Date(ctx.clock.now()),
    });
    lines.push(`data space: ${d.input.title.en} (${d.input.domain}) listed at ${d.input.siteId}`);
  }
  return lines;
}

/**
 * Runs each scenario once, as the demo consumer: a contract, one use at the data's site, and the
 * released result stored on the scenario — so a fresh `npm start` shows real results. In the background:
 * the server is up meanwhile.
 */
export async function startDataDemo(ctx: ModuleContext, m: DataServerModule): Promise<void> {
  const userId = await ctx.auth.userIdByName(CONSUMER.username);
  if (!userId) return;
  const consumer: Principal = { userId, username: CONSUMER.username, displayName: CONSUMER.username, role: 'tenant', tenantId: CONSUMER.tenantId, department: null, via: 'session' };
  const pending = await ctx.db.select().from(dataScenarios).where(isNull(dataScenarios.useId));
  void (async () => {
    for (const s of pending) {
      const d = demoProducts.find((x) => x.scenarioId === s.id);
      if (!d) continue;
      try {
        const contract = await m.contracts.request(consumer, {
          productId: s.productIds[0]!,
          purpose: 'planning',
          actions: [DataQuery.parse(d.query).action],
          note: 'Demo scenario',
          idempotencyKey: `demo-scenario-${s.id}`,
        });
        if (contract.state !== 'agreed') {
          ctx.log.warn({ scenario: s.id, state: contract.state, reasons: contract.reasons.map((r) => r.code) }, 'data demo: the scenario contract was not agreed');
          continue;
        }
        const use = await m.uses.submit(consumer, { contractId: contract.id, query: DataQuery.parse(d.query), idempotencyKey: `demo-scenario-use-${s.id}` });
        const done = await m.uses.settled(use.id, SETTLE_MS);
        await ctx.db.update(dataScenarios).set({ contractId: contract.id, useId: done.id }).where(eq(dataScenarios.id, s.id));
        ctx.log.info({ scenario: s.id, state: done.state, groups: done.result?.groups.length ?? 0 }, 'data demo: scenario use settled');
      } catch (err) {
        ctx.log.warn({ scenario: s.id, err: err instanceof Error ? err.message : String(err) }, 'data demo: scenario use did not run');
      }
    }
  })();
}

/** Databases seeded before the data space lack its provider tenants: add them (once). */
async function ensureProviders(ctx: ModuleContext): Promise<void> {
  const known = new Set((await ctx.compute.network.listTenants()).map((t) => t.id));
  const needed = new Set(demoProducts.map((d) => d.input.providerTenantId));
  for (const t of demoTenants) if (needed.has(t.id) && !known.has(t.id)) await ctx.compute.network.createTenant(t, 'seed');
}

async function ingest(ctx: ModuleContext, m: DataServerModule, operator: Principal, product: DataProduct, d: DemoProduct): Promise<void> {
  if ('file' in d.dataset) {
    await m.products.ingestFile(operator, product.id, fileURLToPath(new URL(`./seed/${d.dataset.file}`, import.meta.url)));
    return;
  }
  // The synthetic set is generated, written once to a scratch file and ingested like any other file.
  const dir = mkdtempSync(join(ctx.config.dataDir, 'data-seed-'));
  try {
    const path = join(dir, `${d.dataset.generate}.csv`);
    writeFileSync(path, cottonFieldsCsv());
    await m.products.ingestFile(operator, product.id, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
