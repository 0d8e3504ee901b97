// `npm run bench -- data`: aggregate queries over a product of ≥ 10M rows at its site, through the full
// path of a use (contract check → planning → a compute job run by the site's data plane → output rule
// → release) against the same compiled SQL run directly in DuckDB: the overhead of trust.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataResult } from '@shuzhi/schema';
import { loadConfig, seedDemo, Platform } from '@shuzhi/server';
import { fundDemoTenants } from '../../packages/server/test/helpers.ts';
import { benchArgs } from '../args.ts';
import { percentile, sortedCopy } from '../stats.ts';
import { DirectEngine } from './direct.ts';
import { FullPath } from './full.ts';
import { generateParquet } from './generate.ts';
import { benchProduct, QUERIES } from './product.ts';

const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), '../results');

/** Where the product sits (Xinjiang), who provides it and who queries it: demo tenants. */
const SITE = 'shihezi';
const PROVIDER = 'xju-lab';
const CONSUMER = 'tianshan-ai';

export interface QueryRow {
  query: string;
  runs: number;
  rows: number;
  directP50: number;
  directP99: number;
  fullP50: number;
  fullP99: number;
  /** Rows scanned per second through the full path, at its median latency. */
  rowsPerSec: number;
  overhead: number;
}

export interface DataBenchResult {
  rows: number;
  fileBytes: number;
  cores: number;
  cpu: string;
  table: QueryRow[];
  /** Per query kind: the groups each path released (identical under k-anonymity, which adds no noise). */
  released: { query: string; direct: DataResult['groups']; full: DataResult['groups'] }[];
}

/** Generates the product, registers it on an in-process platform, and times `queries` uses both ways. */
export async function measure(rows: number, queries: number, log: (s: string) => void = () => undefined): Promise<DataBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-bench-data-'));
  let platform: Platform | null = null;
  let direct: DirectEngine | null = null;
  try {
    log(`data: generating ${rows} rows as Parquet with DuckDB`);
    const gen = await generateParquet(dir, rows);
    platform = await Platform.open({ config: loadConfig({ SHUZHI_DATA_DIR: join(dir, 'platform'), LOG_LEVEL: 'silent' }) });
    await seedDemo(platform);
    await platform.start();
    await fundDemoTenants(platform);
    log(`data: registering the product at ${SITE} (${(gen.bytes / 1e6).toFixed(1)} MB) and agreeing a contract`);
    const input = benchProduct(SITE, rows);
    const full = await FullPath.setUp(platform, input, gen.file, PROVIDER, CONSUMER);
    direct = await DirectEngine.open(full.parquetGlob);

    const samples = QUERIES.map(() => ({ direct: [] as number[], full: [] as number[], scanned: 0, released: null as null | { direct: DataResult['groups']; full: DataResult['groups'] } }));
    for (let i = 0; i < queries; i++) {
      const kind = i % QUERIES.length;
      const q = QUERIES[kind]!;
      const s = samples[kind]!;
      const plan = DirectEngine.plan(q.query, input.policy.output);
      let t0 = performance.now();
      const rowsOut = await direct.run(plan);
      s.direct.push(performance.now() - t0);
      t0 = performance.now();
      const use = await full.run(q.query);
      s.full.push(performance.now() - t0);
      s.scanned = use.result!.rowsScanned;
      s.released ??= { direct: DirectEngine.release(plan, rowsOut, use.result!.rowsScanned, input.policy.output).groups, full: use.result!.groups };
      log(`  ${i + 1}/${queries} ${q.name}: direct ${s.direct.at(-1)!.toFixed(1)} ms, full path ${s.full.at(-1)!.toFixed(1)} ms`);
    }
    const table = QUERIES.flatMap((q, kind) => {
      const s = samples[kind]!;
      if (!s.full.length) return [];
      const d = sortedCopy(s.direct);
      const f = sortedCopy(s.full);
      const fullP50 = percentile(f, 50);
      return [
        {
          query: q.name,
          runs: f.length,
          rows: s.scanned,
          directP50: percentile(d, 50),
          directP99: percentile(d, 99),
          fullP50,
          fullP99: percentile(f, 99),
          rowsPerSec: s.scanned / (fullP50 / 1000),
          overhead: fullP50 / percentile(d, 50),
        },
      ];
    });
    return {
      rows,
      fileBytes: gen.bytes,
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown CPU',
      table,
      released: QUERIES.flatMap((q, kind) => (samples[kind]!.released ? [{ query: q.name, ...samples[kind]!.released! }] : [])),
    };
  } finally {
    direct?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (v: number) => v.toFixed(1);

export function formatTable(r: DataBenchResult, command: string): string {
  const header = ['query', 'runs', 'rows', 'direct p50 ms', 'direct p99 ms', 'full p50 ms', 'full p99 ms', 'rows/s (full)', 'overhead ×'];
  const body = r.table.map((q) => [q.query, String(q.runs), String(q.rows), ms(q.directP50), ms(q.directP99), ms(q.fullP50), ms(q.fullP99), Math.round(q.rowsPerSec).toLocaleString('en'), q.overhead.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    `data: ${r.rows.toLocaleString('en')} synthetic meter readings, Parquet ${(r.fileBytes / 1e6).toFixed(1)} MB, at site ${SITE}; k-anonymity k=10; ${r.cores} cores (${r.cpu})`,
    `command: ${command}`,
    '',
    line(header),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...body.map(line),
    '',
    'direct: the compiled statement in one open DuckDB connection over the same Parquet. full: UseService.submit → settled',
    '(contract check, planning, a compute job of the consumer at the site run by its data plane, output rule, release, fee event).',
  ].join('\n');
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('data', args, {
    rows: { type: 'count', default: 10_000_000, help: 'rows in the generated product' },
    queries: { type: 'count', default: 20, help: 'aggregate queries, cycling count by county / avg by county and month / filtered sum' },
    quick: { type: 'switch', help: 'a smoke run: 1,000,000 rows and 5 queries (unless --rows / --queries say otherwise)' },
  });
  if (!a) return;
  const rows = a.quick && !a.given.has('rows') ? 1_000_000 : a.rows;
  const queries = a.quick && !a.given.has('queries') ? 5 : a.queries;
  const r = await measure(rows, queries, (s) => process.stderr.write(`${s}\n`));
  const command = `npm run bench -- data ${args.join(' ')}`.trim();
  console.log(formatTable(r, command));
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'data.json'), `${JSON.stringify({ bench: 'data', command, ...r }, null, 2)}\n`);
  console.log(`written to ${join(RESULTS, 'data.json')}`);
}
