// Billing benchmark: finished runs billed per second on PostgreSQL 15, through the same path as live
// runs (price, voucher lock and split, balanced entries, statement line), with vouchers in play.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { loadConfig, seedDemo, Platform } from '@shuzhi/server';
import { BillingService } from '@shuzhi/server/testing';
import { startPostgres } from '../../test/support/postgres.ts';
import { benchArgs } from '../args.ts';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');
const TENANTS = ['tianshan-ai', 'karamay-studio', 'xju-lab'];

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('billing', args, {
    runs: { type: 'count', default: 2000, help: 'run records billed' },
    concurrency: { type: 'count', default: 16, help: 'bills settled at once' },
  });
  if (!a) return;
  const runsN = a.runs;
  const concurrency = a.concurrency;
  const pg = await startPostgres({ database: 'shuzhi_bench_billing' });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shuzhi-bench-billing-'));
  const p = await Platform.open({ config: loadConfig({ SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: pg.url }) });
  try {
    await seedDemo(p);
    const db = p.database.db;
    const billing = new BillingService(db, p.bus, p.log, p.compute.runs);
    const operator = (await p.auth.byOperatorName())!;
    const tenantUser = { ...operator, role: 'tenant' as const, tenantId: 'tianshan-ai' };
    // One voucher for the AI tenant, so a third of the bills lock and split it.
    await billing.programmes.create(operator, {
      id: 'bench', nameZh: '基准券', nameEn: 'Bench vouchers', issuer: 'bench', illustrative: true, tenantKinds: ['ai-company'],
      siteIds: ['shihezi'], regions: [], ratesBp: { gpu: 3000 }, capPerTenantFen: 1e12, voucherDays: 30,
      validFrom: new Date(Date.now() - 86_400_000).toISOString(), validTo: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      budgetFen: 1e12, admins: [], idempotencyKey: 'bench-programme',
    });
    const app = await billing.programmes.apply(tenantUser, 'bench', { requestedFen: 1e10, purpose: 'bench' });
    await billing.programmes.decide(operator, app.id, { decision: 'approve', reason: '', idempotencyKey: 'bench-approve' });

    const ids: string[] = [];
    const now = Date.now();
    for (let start = 0; start < runsN; start += 500) {
      const batch = Array.from({ length: Math.min(500, runsN - start) }, (_, k) => {
        const i = start + k;
        const tenantId = TENANTS[i % TENANTS.length]!;
        const [siteId, type] = tenantId === 'tianshan-ai' ? ['shihezi', 'gpu'] : tenantId === 'karamay-studio' ? ['karamay', 'render'] : ['urumqi', 'cpu'];
        const endedAt = new Date(now - 1000 - i);
        return {
          tenantId, siteId: siteId!, type: type!, units: 8, hours: 1, name: 'bench', command: 'true', createdBy: 'bench',
          startedAt: new Date(endedAt.getTime() - 3600_000), endedAt,
          usage: { unitHours: 8, energyKWh: 6, greenKWh: 3, carbonG: 1000, costFen: 1000 },
        };
      });
      ids.push(...(await p.compute.runs.recordPast(batch)));
    }

    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < ids.length) await billing.charges.billRun(ids[next++]!);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const [check] = rowsOf(await db.execute(sql`select count(*)::int as lines, (select count(*)::int from (select txn_id from billing_entries group by txn_id having sum(amount_fen) <> 0) u) as unbalanced from billing_charges`));
    const result = {
      database: 'PostgreSQL 15 (throwaway cluster, fsync off)',
      runs: runsN,
      concurrency,
      poolConnections: 10,
      seconds: Number(seconds.toFixed(3)),
      runsBilledPerSecond: Number((runsN / seconds).toFixed(1)),
      statementLines: Number(check?.['lines'] ?? 0),
      unbalancedTransactions: Number(check?.['unbalanced'] ?? -1),
      mix: 'one third AI-company GPU runs at Shihezi split with a voucher (row lock), two thirds wallet-only',
      at: new Date().toISOString(),
    };
    console.log(`\n== billing ==\n${runsN} runs billed in ${result.seconds} s with ${concurrency} concurrent callers: ${result.runsBilledPerSecond} runs/s (${result.statementLines} lines, ${result.unbalancedTransactions} unbalanced transactions)`);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'billing.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await p.close();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function rowsOf(r: unknown): Record<string, unknown>[] {
  return Array.isArray(r) ? r : ((r as { rows: Record<string, unknown>[] }).rows ?? []);
}
