import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  DataAction,
  DataDomainNames,
  DataPurpose,
  type DataContract,
  type DataFilter,
  type DataMeasure,
  type DataOutputRule,
  type DataProduct,
  type DataProductInput,
  type DataQueryInput,
  type DataUse,
} from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { type Flags, parseArgs, str, UsageError } from './args.ts';

export const dataHelp = `shuzhi data products [--domain D] [--region R] [--provider T] [--q TEXT] [--json]
shuzhi data product ID [--json]
shuzhi data register FILE.json [--csv DATA.csv]
shuzhi data request PRODUCT --purpose P --action aggregate[,join,train] [--note TEXT]
shuzhi data contracts [--as consumer|provider] [--json]
shuzhi data decide CONTRACT agree|decline [--reason TEXT]
shuzhi data revoke CONTRACT --reason TEXT
shuzhi data verify CONTRACT
shuzhi data query CONTRACT [--count] [--sum COL] [--avg COL] [--group-by COL] [--where "COL>=VALUE"]
                  [--epsilon E] [--wait] [--json]
shuzhi data uses [--contract C] [--json]

The data space (数据要素×): products held at one site of the network, used under signed contracts;
every query runs at the data's site and only what the product's output rule releases comes back.
FILE.json is a product as POST /api/data/products takes it; --csv uploads its dataset to its site.
--sum, --avg, --group-by and --where may be given more than once (or as a,b). --where takes
COL=V, COL!=V, COL<V, COL<=V, COL>V, COL>=V or "COL in V1,V2"; a number is compared as a number.
Purposes: ${DataPurpose.options.join(', ')}.
Talks to $SHUZHI_SERVER (or --server) with the token in $SHUZHI_TOKEN (or --token).`;

const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
const opt = (flags: Flags, name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
const many = (values: readonly string[]) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

/** Terminal width of a string: CJK and full-width characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

/** A plain-text table; columns whose header starts with '>' are right-aligned (numbers). */
export function table(header: string[], rows: string[][]): string {
  const right = header.map((h) => h.startsWith('>'));
  const head = header.map((h) => h.replace(/^>/, ''));
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - width(c));
        return right[i] ? pad + c : i === cells.length - 1 ? c : c + pad;
      })
      .join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export function outputRule(o: DataOutputRule): string {
  return o.kind === 'k-anonymity' ? `k ≥ ${o.k}` : `DP ε ${o.epsilonBudget} (≤ ${o.maxEpsilonPerQuery}/query)`;
}

const domainName = (d: DataProduct['domain']) => `${DataDomainNames[d].zh} ${DataDomainNames[d].en}`;

const FILTER_OPS: [string, DataFilter['op']][] = [
  ['>=', 'gte'],
  ['<=', 'lte'],
  ['!=', 'neq'],
  ['<>', 'neq'],
  ['=', 'eq'],
  ['>', 'gt'],
  ['<', 'lt'],
];

const scalar = (v: string): string | number => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v.trim());

/** `county=shihezi`, `month>=7`, `county in shihezi,manas` → a filter of the query. */
export function parseWhere(text: string): DataFilter {
  const inList = /^\s*([a-z][a-z0-9_]*)\s+in\s+(.+)$/i.exec(text);
  if (inList) return { column: inList[1]!, op: 'in', value: many([inList[2]!]).map(scalar) };
  const m = /^\s*([a-z][a-z0-9_]*)\s*(>=|<=|!=|<>|=|>|<)\s*(.+)$/.exec(text);
  if (!m) throw new UsageError(`--where "${text}": write COL=V, COL!=V, COL<V, COL<=V, COL>V, COL>=V or "COL in V1,V2"`);
  return { column: m[1]!, op: FILTER_OPS.find(([s]) => s === m[2])![1], value: scalar(m[3]!) };
}

/** The query of `shuzhi data query` from its options. */
export function queryOf(flags: Flags, lists: Record<string, string[]>): DataQueryInput {
  const measures: DataMeasure[] = [
    ...(flags.count ? [{ fn: 'count' as const }] : []),
    ...many(lists.sum ?? []).map((column) => ({ fn: 'sum' as const, column })),
    ...many(lists.avg ?? []).map((column) => ({ fn: 'avg' as const, column })),
  ];
  if (!measures.length) throw new UsageError('say what to aggregate: --count, --sum COL or --avg COL (records are never returned)');
  const epsilon = opt(flags, 'epsilon');
  if (epsilon !== undefined && !(Number(epsilon) > 0)) throw new UsageError('--epsilon must be a positive number');
  return {
    action: 'aggregate',
    measures,
    groupBy: many(lists['group-by'] ?? []),
    filters: (lists.where ?? []).map(parseWhere),
    ...(epsilon !== undefined ? { epsilon: Number(epsilon) } : {}),
  };
}

/** The released groups as a table, then how the result was made safe to release. */
export function resultText(use: DataUse, contract: Pick<DataContract, 'epsilon'> | null): string {
  const r = use.result;
  if (!r) return use.refusal ? `${use.state}: ${use.refusal.code}: ${use.refusal.message}` : `${use.state}: no result yet`;
  const keys = [...new Set(r.groups.flatMap((g) => Object.keys(g.key)))];
  const values = [...new Set(r.groups.flatMap((g) => Object.keys(g.values)))];
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(4).replace(/0+$/, '').replace(/\.$/, ''));
  const rows = r.groups.map((g) => [...keys.map((k) => String(g.key[k] ?? '-')), ...values.map((v) => num(g.values[v]))]);
  const rel = r.release;
  const how =
    rel.kind === 'k-anonymity'
      ? `released under k=${rel.k}: ${r.groups.length} group(s), the smallest of ${rel.smallestGroup} records; ${r.rowsScanned} rows scanned at ${use.siteId}`
      : `released with differential privacy (discrete Laplace): ε spent ${rel.epsilonSpent}${contract?.epsilon ? `, ε left ${contract.epsilon.left}` : ''}; ${r.rowsScanned} rows scanned at ${use.siteId}`;
  return `${table([...keys, ...values.map((v) => `>${v}`)], rows)}\n${how}\nfee ${yuan(use.feeFen)}`;
}

const FINAL: DataUse['state'][] = ['released', 'refused', 'failed'];

async function settle(api: ApiClient, id: string): Promise<DataUse> {
  for (;;) {
    const use = await ok(api.http.GET('/api/data/uses/{id}', { params: { path: { id } } }));
    if (FINAL.includes(use.state)) return use;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function dataCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positional, lists } = parseArgs(rest, {
    switches: ['json', 'wait', 'count'],
    values: ['domain', 'region', 'provider', 'q', 'csv', 'purpose', 'action', 'note', 'as', 'reason', 'contract', 'epsilon', 'server', 'token'],
    lists: ['sum', 'avg', 'group-by', 'where'],
  });
  if (!sub || flags.help || sub === '--help' || sub === 'help') {
    console.log(dataHelp);
    return sub ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  const print = (v: unknown, text: () => string) => console.log(flags.json ? JSON.stringify(v, null, 2) : text());
  const need = (what: string, usage: string) => positional[0] ?? (() => { throw new UsageError(`missing ${what}: shuzhi data ${usage}`); })();

  switch (sub) {
    case 'products': {
      const query = Object.fromEntries((['domain', 'region', 'provider', 'q'] as const).flatMap((k) => (opt(flags, k) ? [[k, opt(flags, k)!]] : [])));
      const res = await ok(api.http.GET('/api/data/products', { params: { query } }));
      print(res, () =>
        `${table(
          ['ID', 'DOMAIN', 'TITLE', 'SITE', '>ROWS', '>FEE/USE', 'OUTPUT'],
          res.items.map((p) => [p.id, domainName(p.domain), `${p.title.zh}${p.synthetic ? '（合成 synthetic）' : ''}`, p.siteId, p.rows === null ? '-' : String(p.rows), yuan(p.feeFenPerUse), outputRule(p.policy.output)]),
        )}\n${res.items.length} of ${res.total}`,
      );
      return 0;
    }
    case 'product': {
      const p = await ok(api.http.GET('/api/data/products/{id}', { params: { path: { id: need('the product id', 'product ID') } } }));
      print(p, () =>
        [
          `${p.id}  ${p.title.zh} / ${p.title.en}${p.synthetic ? '  [合成数据 synthetic]' : ''}`,
          `  domain    ${domainName(p.domain)}`,
          `  provider  ${p.providerName} (${p.providerTenantId})`,
          `  site      ${p.siteId} (${p.regionId}); the data never leaves it`,
          `  rows      ${p.rows ?? 'no dataset yet'}   state ${p.state}`,
          `  fee       ${yuan(p.feeFenPerUse)} per use   licence ${p.licence}`,
          `  source    ${p.source}`,
          `  policy    ${p.policy.permissions.map((r) => r.action).join(', ')}${p.policy.prohibitions.length ? `; not ${p.policy.prohibitions.map((r) => r.action).join(', ')}` : ''}; output ${outputRule(p.policy.output)}; computed in ${p.policy.computeRegions.join(', ')}; approval ${p.policy.approval}; ${p.policy.contractDays} days`,
          table(['  COLUMN', 'TYPE', 'ROLE', 'DETAIL'], p.schema.columns.map((c) => [`  ${c.name}`, c.type, c.role, c.bounds ? `[${c.bounds[0]}, ${c.bounds[1]}]${c.unit ? ` ${c.unit}` : ''}` : c.categories ? `${c.categories.length} categories` : ''])),
        ].join('\n'),
      );
      return 0;
    }
    case 'register': {
      const file = need('the product file', 'register FILE.json [--csv DATA.csv]');
      let body: DataProductInput;
      try {
        body = JSON.parse(await readFile(file, 'utf8')) as DataProductInput;
      } catch (e) {
        throw new UsageError(`${file} is not a readable JSON product: ${(e as Error).message}`);
      }
      let product = await ok(api.http.POST('/api/data/products', { body }));
      const csv = opt(flags, 'csv');
      if (csv) {
        const text = await readFile(csv, 'utf8');
        product = await ok(
          api.http.PUT('/api/data/products/{id}/dataset', {
            params: { path: { id: product.id } },
            body: text,
            headers: { 'content-type': 'text/csv' },
            bodySerializer: (b) => b,
          }),
        );
      }
      print(product, () => `registered ${product.id} (${product.state}${product.rows !== null ? `, ${product.rows} rows at ${product.siteId}` : ', no dataset yet: --csv uploads it'})`);
      return 0;
    }
    case 'request': {
      const productId = need('the product id', 'request PRODUCT --purpose P --action aggregate');
      const purpose = DataPurpose.safeParse(str(flags, 'purpose'));
      if (!purpose.success) throw new UsageError(`--purpose is one of ${DataPurpose.options.join(', ')}`);
      const actions = many([str(flags, 'action', 'aggregate')]);
      const bad = actions.filter((a) => !DataAction.safeParse(a).success);
      if (bad.length) throw new UsageError(`--action: ${bad.join(', ')} is not one of ${DataAction.options.join(', ')}`);
      const c = await ok(
        api.http.POST('/api/data/contracts', {
          body: { productId, purpose: purpose.data, actions: actions as DataAction[], note: opt(flags, 'note') ?? '', idempotencyKey: `cli-${randomUUID()}` },
        }),
      );
      print(c, () => `${c.id} ${c.state}${c.reasons.length ? `: ${c.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}` : ''}`);
      return c.state === 'declined' ? 1 : 0;
    }
    case 'contracts': {
      const as = opt(flags, 'as');
      if (as !== undefined && as !== 'consumer' && as !== 'provider') throw new UsageError('--as is consumer or provider');
      const res = await ok(api.http.GET('/api/data/contracts', { params: { query: as ? { as } : {} } }));
      print(res, () =>
        table(
          ['ID', 'STATE', 'PRODUCT', 'CONSUMER', 'PROVIDER', 'PURPOSE', '>USES', '>ε LEFT', 'EXPIRES'],
          res.items.map((c) => [c.id, c.state, c.productTitle.zh, c.consumerTenantId, c.providerTenantId, c.purpose, String(c.uses), c.epsilon ? String(c.epsilon.left) : '-', c.terms?.expiresAt.slice(0, 10) ?? '-']),
        ),
      );
      return 0;
    }
    case 'decide': {
      const id = need('the contract id', 'decide CONTRACT agree|decline');
      const decision = positional[1];
      if (decision !== 'agree' && decision !== 'decline') throw new UsageError('usage: shuzhi data decide CONTRACT agree|decline [--reason TEXT]');
      const c = await ok(api.http.POST('/api/data/contracts/{id}/decision', { params: { path: { id } }, body: { decision, reason: opt(flags, 'reason') ?? '' } }));
      print(c, () => `${c.id} ${c.state}`);
      return 0;
    }
    case 'revoke': {
      const id = need('the contract id', 'revoke CONTRACT --reason TEXT');
      const c = await ok(api.http.POST('/api/data/contracts/{id}/revoke', { params: { path: { id } }, body: { reason: str(flags, 'reason') } }));
      print(c, () => `${c.id} ${c.state}`);
      return 0;
    }
    case 'verify': {
      const v = await ok(api.http.GET('/api/data/contracts/{id}/verify', { params: { path: { id: need('the contract id', 'verify CONTRACT') } } }));
      print(v, () => `${v.contractId}: ${v.result}${v.keyId ? ` (Ed25519 key ${v.keyId})` : ''}`);
      return v.result === 'valid' ? 0 : 1;
    }
    case 'query': {
      const contractId = need('the contract id', 'query CONTRACT --count [--group-by COL] …');
      const query = queryOf(flags, lists);
      let use = await ok(api.http.POST('/api/data/uses', { body: { contractId, query, idempotencyKey: `cli-${randomUUID()}` } }));
      if (!flags.wait) {
        print(use, () => `submitted ${use.id} (${use.state}) at ${use.siteId}; shuzhi data uses --contract ${contractId} shows it`);
        return 0;
      }
      use = await settle(api, use.id);
      const contract = use.result?.release.kind === 'differential-privacy' ? await ok(api.http.GET('/api/data/contracts/{id}', { params: { path: { id: contractId } } })) : null;
      if (flags.json) console.log(JSON.stringify({ use, epsilon: contract?.epsilon ?? null }, null, 2));
      else if (use.state === 'released') console.log(resultText(use, contract));
      else console.error(`use ${use.id} ${use.state}: ${use.refusal ? `${use.refusal.code}: ${use.refusal.message}` : 'no reason given'}`);
      return use.state === 'released' ? 0 : 1;
    }
    case 'uses': {
      const contractId = opt(flags, 'contract');
      const res = await ok(api.http.GET('/api/data/uses', { params: { query: contractId ? { contractId } : {} } }));
      print(res, () =>
        table(
          ['ID', 'STATE', 'CONTRACT', 'SITE', '>GROUPS', '>ε', '>FEE', 'CREATED', 'REFUSAL'],
          res.items.map((u) => [u.id, u.state, u.contractId, u.siteId, u.result ? String(u.result.groups.length) : '-', String(u.epsilonSpent), yuan(u.feeFen), u.createdAt.slice(0, 19), u.refusal?.code ?? '']),
        ),
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown data command "${sub}"\n\n${dataHelp}`);
  }
}
