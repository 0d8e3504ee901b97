import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  checkQuota,
  decayedUsage,
  effectivePriority,
  fairShare,
  poolMismatch,
  QuotaBook,
  type QuotaRequest,
  type RunningWork,
  type TenantQuota,
} from '../src/index.ts';

const q = (tenantId: string, nominal: number, extra: Partial<TenantQuota> = {}): TenantQuota => ({
  tenantId, type: 'gpu', nominal, cohort: 'c1', borrowingLimit: null, lendingLimit: null, ...extra,
});

test('within nominal is admitted; above it borrows idle quota of the cohort, and says why when it cannot', () => {
  const book = new QuotaBook([q('a', 8), q('b', 8)]);
  assert.deepEqual(book.admit([], { tenantId: 'a', project: null, type: 'gpu', units: 8 }), { ok: true, borrowed: 0 });
  const use = [{ tenantId: 'a', project: null, type: 'gpu', units: 8 }];
  assert.deepEqual(book.admit(use, { tenantId: 'a', project: null, type: 'gpu', units: 8 }), { ok: true, borrowed: 8 });
  const full = [...use, { tenantId: 'a', project: null, type: 'gpu', units: 8 }];
  const v = book.admit(full, { tenantId: 'a', project: null, type: 'gpu', units: 1 });
  assert.equal(v.ok, false);
  assert.equal(!v.ok && v.reason, 'quota: gpu 16/8 in use, needs 1, cohort c1 has 0 idle');
  // No quota for cpu: not limited.
  assert.deepEqual(book.admit(full, { tenantId: 'a', project: null, type: 'cpu', units: 1000 }), { ok: true, borrowed: 0 });
});

test('borrowing and lending limits cap what moves between tenants', () => {
  const book = new QuotaBook([q('a', 4, { borrowingLimit: 2 }), q('b', 8, { lendingLimit: 3 }), q('c', 0)]);
  const a4 = [{ tenantId: 'a', project: null, type: 'gpu', units: 4 }];
  assert.equal(book.admit(a4, { tenantId: 'a', project: null, type: 'gpu', units: 3 }).ok, false, 'over the borrowing limit');
  assert.equal(book.admit(a4, { tenantId: 'a', project: null, type: 'gpu', units: 2 }).ok, true);
  // b lends at most 3, a has nothing idle left: c may borrow 3 but not 4.
  assert.equal(book.admit(a4, { tenantId: 'c', project: null, type: 'gpu', units: 4 }).ok, false);
  assert.equal(book.admit(a4, { tenantId: 'c', project: null, type: 'gpu', units: 3 }).ok, true);
});

test('a project cap holds inside its tenant', () => {
  const book = new QuotaBook([q('a', 16)], [{ tenantId: 'a', project: 'llm', type: 'gpu', nominal: 4 }]);
  const use = [{ tenantId: 'a', project: 'llm', type: 'gpu', units: 4 }];
  const v = book.admit(use, { tenantId: 'a', project: 'llm', type: 'gpu', units: 1 });
  assert.equal(!v.ok && v.reason, 'quota: project llm gpu 4/4 in use, needs 1');
  assert.equal(book.admit(use, { tenantId: 'a', project: 'vision', type: 'gpu', units: 8 }).ok, true);
});

test('an owner waiting for its nominal quota gets borrowed work stopped, newest first', () => {
  const book = new QuotaBook([q('a', 8), q('b', 8)]);
  const running: RunningWork[] = [
    { id: 'a1', tenantId: 'a', project: null, type: 'gpu', units: 4, startedAtMs: 1, submittedAtMs: 0 },
    { id: 'a2', tenantId: 'a', project: null, type: 'gpu', units: 4, startedAtMs: 2, submittedAtMs: 1 },
    { id: 'a3', tenantId: 'a', project: null, type: 'gpu', units: 4, startedAtMs: 3, submittedAtMs: 2 },
    { id: 'a4', tenantId: 'a', project: null, type: 'gpu', units: 4, startedAtMs: null, submittedAtMs: 0 },
  ];
  assert.deepEqual(book.reclaim(running, []), [], 'nobody waits: borrowing stands');
  // Not started yet (a4) goes first: it loses no work; then the newest started.
  assert.deepEqual(book.reclaim(running, [{ tenantId: 'b', project: null, type: 'gpu', units: 4 }]), ['a4']);
  assert.deepEqual(book.reclaim(running, [{ tenantId: 'b', project: null, type: 'gpu', units: 8 }]), ['a4', 'a3']);
});

/**
 * Random submit/finish sequences through admission and reclaim: no tenant ever holds more than its
 * nominal quota plus its borrowing limit, and the cohort's borrowing is always covered by its
 * members' lendable idle quota (so the cohort never holds more than its nominal total).
 */
test('property: no tenant exceeds its quota plus what it may borrow; borrowing stays covered', () => {
  const tenants = ['a', 'b', 'c'];
  const quotaArb = fc.tuple(
    ...tenants.map((t) =>
      fc.record({
        nominal: fc.integer({ min: 0, max: 12 }),
        borrowingLimit: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
        lendingLimit: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
      }).map((r) => q(t, r.nominal, { borrowingLimit: r.borrowingLimit, lendingLimit: r.lendingLimit === null ? null : Math.min(r.lendingLimit, r.nominal) })),
    ),
  );
  const stepArb = fc.oneof(
    fc.record({ kind: fc.constant('submit' as const), tenant: fc.constantFrom(...tenants), units: fc.integer({ min: 1, max: 10 }) }),
    fc.record({ kind: fc.constant('finish' as const), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(quotaArb, fc.array(stepArb, { maxLength: 60 }), (quotas, steps) => {
      const book = new QuotaBook(quotas);
      let running: RunningWork[] = [];
      let waiting: QuotaRequest[] = [];
      let n = 0;
      const tryStart = () => {
        const still: QuotaRequest[] = [];
        for (const w of waiting) {
          if (book.admit(running, w).ok) running.push({ ...w, id: `w${n}`, startedAtMs: n % 3 ? n : null, submittedAtMs: n++ });
          else still.push(w);
        }
        waiting = still;
      };
      for (const s of steps) {
        if (s.kind === 'submit') waiting.push({ tenantId: s.tenant, project: null, type: 'gpu', units: s.units });
        else if (running.length) running.splice(s.pick % running.length, 1);
        tryStart();
        const within = waiting.filter((w) => {
          const mine = running.filter((r) => r.tenantId === w.tenantId).reduce((a, r) => a + r.units, 0);
          return mine + w.units <= book.quotaOf(w.tenantId, 'gpu')!.nominal;
        });
        const stop = new Set(book.reclaim(running, within));
        running = running.filter((r) => !stop.has(r.id));
        tryStart();
        for (const t of quotas) {
          const used = running.filter((r) => r.tenantId === t.tenantId).reduce((a, r) => a + r.units, 0);
          assert.ok(used <= t.nominal + (t.borrowingLimit ?? Infinity), `${t.tenantId} holds ${used} > ${t.nominal}+${t.borrowingLimit}`);
        }
        const total = running.reduce((a, r) => a + r.units, 0);
        // Work within nominal is always admitted, so the cohort's total bound is the nominal total
        // plus what is within each tenant's own nominal; borrowing alone never pushes past it.
        const borrowed = quotas.reduce((a, t) => a + Math.max(0, running.filter((r) => r.tenantId === t.tenantId).reduce((x, r) => x + r.units, 0) - t.nominal), 0);
        const idle = quotas.reduce((a, t) => {
          const used = running.filter((r) => r.tenantId === t.tenantId).reduce((x, r) => x + r.units, 0);
          return a + Math.max(0, Math.min(t.lendingLimit ?? t.nominal, t.nominal - used));
        }, 0);
        assert.ok(borrowed <= idle, `borrowed ${borrowed} > lendable idle ${idle}`);
        assert.ok(total <= quotas.reduce((a, t) => a + t.nominal, 0));
      }
    }),
    { numRuns: 300, seed: 15 },
  );
});

test('a quota below usage, negative units or an unknown type is refused naming the field', () => {
  const types = ['gpu', 'cpu', 'render'];
  assert.deepEqual(checkQuota(q('a', 4), 6, types).map((i) => i.path), ['nominal']);
  assert.deepEqual(checkQuota(q('a', -1), 0, types).map((i) => i.path), ['nominal']);
  assert.deepEqual(checkQuota({ ...q('a', 4), type: 'tpu' }, 0, types).map((i) => i.path), ['type']);
  assert.deepEqual(checkQuota(q('a', 4, { borrowingLimit: -2 }), 0, types).map((i) => i.path), ['borrowingLimit']);
  assert.deepEqual(checkQuota(q('a', 4, { lendingLimit: 5 }), 0, types).map((i) => i.path), ['lendingLimit']);
  assert.deepEqual(checkQuota(q('a', 4), 4, types), []);
});

test('fair share: F = 2^(-U/S), usage decays with the half-life', () => {
  const HOUR = 3600_000;
  const usage = decayedUsage([
    { tenantId: 'a', unitHours: 100, atMs: 0 },
    { tenantId: 'b', unitHours: 100, atMs: 24 * HOUR },
  ], 24 * HOUR, 24);
  assert.equal(usage.get('a'), 50);
  assert.equal(usage.get('b'), 100);
  const rows = fairShare(new Map([['a', 1], ['b', 1], ['c', 2]]), usage);
  const f = Object.fromEntries(rows.map((r) => [r.tenantId, r.factor]));
  assert.equal(f.c, 1, 'no usage: factor 1');
  assert.ok(Math.abs(f.a! - 2 ** (-(50 / 150) / 0.25)) < 1e-12);
  assert.ok(Math.abs(f.b! - 2 ** (-(100 / 150) / 0.25)) < 1e-12);
  assert.ok(effectivePriority(50, f.c!) > effectivePriority(50, f.a!) && effectivePriority(50, f.a!) > effectivePriority(50, f.b!));
});

test('accelerator: model, memory and one group are each checked, naming the field', () => {
  const a800 = { type: 'gpu', units: 64, accelerator: { model: 'A800', memGB: 80, groupUnits: 8 } };
  const ascend = { type: 'gpu', units: 32, accelerator: { model: '昇腾 910B', memGB: 64, groupUnits: 8 } };
  assert.equal(poolMismatch(a800, 'gpu', 8, { accelerator: '昇腾910B' })?.field, 'accelerator');
  assert.equal(poolMismatch(ascend, 'gpu', 8, { accelerator: '昇腾910b' }), null);
  assert.equal(poolMismatch(ascend, 'gpu', 8, { minMemGB: 80 })?.field, 'minMemGB');
  assert.equal(poolMismatch(a800, 'gpu', 16, { oneGroup: true })?.field, 'oneGroup');
  assert.equal(poolMismatch(a800, 'gpu', 16, {}), null);
  assert.equal(poolMismatch({ type: 'gpu', units: 64 }, 'gpu', 2, { oneGroup: true })?.field, 'oneGroup');
});
