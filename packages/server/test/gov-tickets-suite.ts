import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPlatform, type TestPlatform } from './helpers.ts';
import { as } from './gov-suite.ts';

const WINDOWS = 50;

/** Service-hall tickets taken at once from many windows: every number is issued exactly once, in order. */
export function govTicketSuite(opts: { databaseUrl?: () => string } = {}): void {
  describe('gov queue tickets', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startPlatform({ fundTenants: false, ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl() } : {}) });
    });
    after(async () => {
      await t?.close();
    });

    test(`${WINDOWS} tickets taken at the same moment get ${WINDOWS} distinct, consecutive numbers`, async () => {
      const w = await as(t, 'window');
      const answers = await Promise.all(Array.from({ length: WINDOWS }, () => w.req('POST', '/api/gov/tickets')));
      for (const r of answers) assert.equal(r.status, 201, JSON.stringify(r.body));
      const numbers: string[] = answers.map((r) => r.body.number);
      assert.equal(new Set(numbers).size, WINDOWS, `duplicate numbers: ${numbers.sort().join(' ')}`);
      // Numbers run per day (Asia/Shanghai): within each day they leave no gap.
      const byDay = new Map<string, number[]>();
      for (const n of numbers) {
        const m = /^(\d{4}-\d{2}-\d{2})-A(\d+)$/.exec(n);
        assert.ok(m, `ticket number ${n}`);
        byDay.set(m[1]!, [...(byDay.get(m[1]!) ?? []), Number(m[2])]);
      }
      for (const seqs of byDay.values()) {
        const sorted = seqs.sort((a, b) => a - b);
        assert.deepEqual(sorted, sorted.map((_, i) => sorted[0]! + i));
      }
    });
  });
}
