import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { govApplications } from '../src/gov/db-schema.ts';
import { GovLiveDemo, livePace } from '../src/gov/demo-live.ts';
import { startPlatform } from './helpers.ts';
import { as, govOf } from './gov-suite.ts';

const noop = () => undefined;
const silent = { info: noop, warn: noop, error: noop, debug: noop } as never;
const MINUTE = 60_000;

test('the living demo: simulated minutes on an injected clock file cases in several channels and items, officers close them, and the dashboard reports before/after from those cases', async () => {
  const t = await startPlatform();
  try {
    const gov = govOf(t);
    const ops = await as(t, 'supervisor');
    // Off in tests unless asked: no demo case exists before the demo is run.
    assert.equal((await ops.req('GET', '/api/gov/metrics')).body.totals.demoCases, 0);
    const warnings: string[] = [];
    const log = { info: noop, error: noop, debug: noop, warn: (o: { err?: string }, m: string) => warnings.push(`${m}: ${o.err}`) } as never;
    const demo = new GovLiveDemo(gov.deps, t.p.auth, log, { seed: 11, maxCases: 1000 });
    const start = Date.parse('2026-11-02T02:00:00Z');
    await demo.run(start, start + 40 * MINUTE, MINUTE, livePace(2));
    assert.deepEqual(warnings, []);

    const db = gov.deps.db;
    const rows = await db.select().from(govApplications).where(eq(govApplications.demo, true));
    assert.ok(rows.length >= 40, `${rows.length} cases`);
    assert.ok(rows.every((r) => r.submittedAt.getTime() >= start && r.submittedAt.getTime() <= start + 40 * MINUTE), 'cases carry the injected clock');
    const channels = new Set(rows.map((r) => r.channel));
    const items = new Set(rows.map((r) => r.itemId));
    assert.ok(channels.size >= 4, [...channels].join());
    const catalogue = (await gov.catalogue.load()).latest.items.length;
    assert.equal(items.size, catalogue, `every item of the catalogue (${catalogue}) is applied for`);
    const closed = rows.filter((r) => r.closedAt !== null);
    assert.ok(closed.length >= 10, `${closed.length} closed`);

    const m = (await ops.req('GET', '/api/gov/metrics')).body;
    assert.equal(m.totals.demoCases, rows.length);
    assert.equal(m.totals.closedCases, closed.length);
    // Each item's figures are the averages of its closed cases, not constants.
    for (const it of m.items.filter((i: { closedCases: number }) => i.closedCases > 0)) {
      const mine = closed.filter((r) => r.itemId === it.itemId);
      const avg = (k: 'steps' | 'beforeSteps' | 'materials' | 'beforeMaterials') => mine.reduce((s, r) => s + r[k]!, 0) / mine.length;
      assert.ok(Math.abs(it.steps.after - avg('steps')) < 1e-9 && Math.abs(it.steps.before - avg('beforeSteps')) < 1e-9, it.itemId);
      assert.ok(Math.abs(it.materials.after - avg('materials')) < 1e-9 && Math.abs(it.materials.before - avg('beforeMaterials')) < 1e-9, it.itemId);
      assert.ok(it.steps.before > it.steps.after, `${it.itemId}: fewer steps after`);
    }
    const [{ n }] = (await db.select({ n: sql<number>`count(distinct ${govApplications.itemId})::int` }).from(govApplications).where(sql`${govApplications.closedAt} is not null`)) as [{ n: number }];
    assert.ok(n >= 5, `${n} items with closed cases`);

    // Bounded: at its cap the demo files nothing new (officers still work the open cases).
    const capped = new GovLiveDemo(gov.deps, t.p.auth, silent, { seed: 12, maxCases: rows.length });
    await capped.run(start + 41 * MINUTE, start + 50 * MINUTE, MINUTE, livePace(3));
    assert.equal(await capped.demoCases(), rows.length);

    // The same seed and steps file the same cases: a second demo on its own platform agrees.
    const t2 = await startPlatform();
    try {
      const demo2 = new GovLiveDemo(govOf(t2).deps, t2.p.auth, silent, { seed: 11, maxCases: 1000 });
      await demo2.run(start, start + 10 * MINUTE, MINUTE, livePace(2));
      const two = await govOf(t2).deps.db.select().from(govApplications).orderBy(govApplications.submittedAt, govApplications.idempotencyKey);
      const one = rows.filter((r) => r.submittedAt.getTime() <= start + 10 * MINUTE).sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime() || a.idempotencyKey.localeCompare(b.idempotencyKey));
      assert.deepEqual(two.map((r) => [r.itemId, r.channel, r.submittedAt.getTime()]), one.map((r) => [r.itemId, r.channel, r.submittedAt.getTime()]));
    } finally {
      await t2.close();
    }
  } finally {
    await t.close();
  }
});

