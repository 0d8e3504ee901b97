import type { ResourceType } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { parseArgs, str, UsageError } from './args.ts';

export const quotaHelp = `shuzhi quota list [--tenant ID] [--json]      quotas with units in use, borrowed and lent (a tenant: its own)
shuzhi quota get TENANT [--json]              one tenant's quotas
shuzhi quota set TENANT --type gpu|cpu|render --nominal N [--cohort C]
                 [--borrowing-limit N] [--lending-limit N] [--project P]   (operators)
shuzhi quota rm TENANT --type T [--project P]                              (operators)

A tenant in a cohort borrows idle quota of the other members up to its borrowing limit; a lender
lends at most its lending limit. A quota below what the tenant uses now is refused.
Talks to $SHUZHI_SERVER (or --server) with the token in $SHUZHI_TOKEN (or --token).`;

export const fairshareHelp = `shuzhi fairshare [--json]                     shares, decayed usage and fair-share factor per tenant
shuzhi fairshare --set TENANT=SHARES          (operators)

F = 2^(-U/S): U the tenant's share of decayed usage, S its share of the shares (Slurm classic).`;

const limit = (v: string | undefined) => (v === undefined || v === 'none' ? null : Number(v));
const orDash = (v: number | null) => (v === null ? '-' : String(v));

export async function quotaCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positional } = parseArgs(rest, {
    switches: ['json'],
    values: ['tenant', 'type', 'nominal', 'cohort', 'borrowing-limit', 'lending-limit', 'project', 'server', 'token'],
  });
  if (!sub || flags.help || sub === '--help') {
    console.log(quotaHelp);
    return sub ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  const opt = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  switch (sub) {
    case 'list':
    case 'get': {
      const tenantId = sub === 'get' ? positional[0] : opt('tenant');
      if (sub === 'get' && !tenantId) throw new UsageError('usage: shuzhi quota get TENANT');
      const res = await ok(api.http.GET('/api/quotas', { params: { query: tenantId ? { tenantId } : {} } }));
      if (flags.json) {
        console.log(JSON.stringify(res, null, 2));
        return 0;
      }
      console.log(`${'TENANT'.padEnd(16)} ${'PROJECT'.padEnd(10)} ${'TYPE'.padEnd(7)} ${'COHORT'.padEnd(8)} ${'NOMINAL'.padStart(8)} ${'USED'.padStart(6)} ${'BORROWED'.padStart(9)} ${'LENT'.padStart(6)} ${'BORROW≤'.padStart(8)} ${'LEND≤'.padStart(6)}`);
      for (const q of res.items) {
        console.log(
          `${q.tenantId.padEnd(16)} ${(q.project ?? '-').padEnd(10)} ${q.type.padEnd(7)} ${(q.cohort ?? '-').padEnd(8)} ${String(q.nominal).padStart(8)} ${String(q.used).padStart(6)} ${String(q.borrowed).padStart(9)} ${String(q.lent).padStart(6)} ${orDash(q.borrowingLimit).padStart(8)} ${orDash(q.lendingLimit).padStart(6)}`,
        );
      }
      return 0;
    }
    case 'set': {
      const tenantId = positional[0];
      if (!tenantId) throw new UsageError('usage: shuzhi quota set TENANT --type T --nominal N [...]');
      const q = await ok(
        api.http.PUT('/api/quotas', {
          body: {
            tenantId,
            type: str(flags, 'type') as ResourceType,
            nominal: Number(str(flags, 'nominal')),
            project: opt('project') ?? null,
            cohort: opt('cohort') ?? null,
            borrowingLimit: limit(opt('borrowing-limit')),
            lendingLimit: limit(opt('lending-limit')),
          },
        }),
      );
      console.log(flags.json ? JSON.stringify(q, null, 2) : `${q.tenantId}${q.project ? `/${q.project}` : ''} ${q.type}: nominal ${q.nominal}, cohort ${q.cohort ?? '-'}, ${q.used} in use`);
      return 0;
    }
    case 'rm': {
      const tenantId = positional[0];
      if (!tenantId) throw new UsageError('usage: shuzhi quota rm TENANT --type T [--project P]');
      const project = opt('project');
      await ok(api.http.DELETE('/api/quotas/{tenantId}/{type}', { params: { path: { tenantId, type: str(flags, 'type') as ResourceType }, query: project ? { project } : {} } }));
      console.log(`removed ${tenantId}${project ? `/${project}` : ''} ${str(flags, 'type')}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown quota command "${sub}"\n${quotaHelp}`);
  }
}

export async function fairshareCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { switches: ['json'], values: ['set', 'server', 'token'] });
  if (flags.help) {
    console.log(fairshareHelp);
    return 0;
  }
  const api = ApiClient.from(flags);
  let table;
  if (typeof flags.set === 'string') {
    const [tenantId, shares] = flags.set.split('=');
    if (!tenantId || !shares) throw new UsageError('usage: shuzhi fairshare --set TENANT=SHARES');
    table = await ok(api.http.PUT('/api/fairshare', { body: { tenantId, shares: Number(shares) } }));
  } else table = await ok(api.http.GET('/api/fairshare'));
  if (flags.json) {
    console.log(JSON.stringify(table, null, 2));
    return 0;
  }
  console.log(`${'TENANT'.padEnd(18)} ${'SHARES'.padStart(7)} ${'NORM SHARES'.padStart(12)} ${'EFF USAGE'.padStart(11)} ${'NORM USAGE'.padStart(11)} ${'FAIRSHARE'.padStart(10)}`);
  for (const r of table.rows) {
    console.log(
      `${r.tenantId.padEnd(18)} ${String(r.shares).padStart(7)} ${r.normShares.toFixed(6).padStart(12)} ${r.effectiveUsage.toFixed(2).padStart(11)} ${r.normUsage.toFixed(6).padStart(11)} ${r.factor.toFixed(6).padStart(10)}`,
    );
  }
  console.log(`usage half-life ${table.halfLifeHours} h`);
  return 0;
}
