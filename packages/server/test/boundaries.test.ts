// The module boundaries, checked on the source (issue 14):
// (a) nothing outside packages/server reaches into packages/server/src: other code uses the public
//     entries `@shuzhi/server` and `@shuzhi/server/testing` (package.json "exports");
// (b) a module (a folder under packages/server/src with a module.ts) names only its own tables (its
//     db-schema.ts) and the platform's; the platform's own code (every other folder) names no module's.
//
// The platform's tables (db/schema.ts, workers/db-schema.ts: tenants, users, tokens, the network of
// regions, links and sites, events, settings, workers) may be read by every module: each module's rows
// point at a tenant or a site, and every module appends to the one event log. A module's tables are
// its own: another module asks its service, never its schema, not even to read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SERVER = path.join(ROOT, 'packages/server');
const SRC = path.join(SERVER, 'src');
const CODE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIP = new Set(['node_modules', 'dist', '.git', 'results', 'data']);

export interface Source {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  text: string;
}

/** A crossing the scan allows for now, and why; an entry that no longer matches fails the test too. */
interface Allowed {
  file: string;
  /** Part of the finding's text after the file. */
  finding: string;
  why: string;
}

const ALLOWED: readonly Allowed[] = [];

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (CODE.test(e.name) || e.name === 'package.json') out.push(p);
  }
  return out;
}

const rel = (abs: string) => path.relative(ROOT, abs).split(path.sep).join('/');
const load = (abs: string): Source => ({ path: rel(abs), text: readFileSync(abs, 'utf8') });

/** Every module specifier a file names: static imports and re-exports, side-effect and dynamic imports. */
function imports(text: string): { spec: string; names: string[] }[] {
  const out: { spec: string; names: string[] }[] = [];
  const re = /\b(?:import|export)\s+(?:type\s+)?(?:\{([^}]*)\}|[\w*$\s,]+?)\s*from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) {
    const names = (m[1] ?? '').split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim()).filter(Boolean);
    out.push({ spec: (m[2] ?? m[3] ?? m[4])!, names });
  }
  return out;
}

const resolveRelative = (from: string, spec: string) => rel(path.resolve(ROOT, path.dirname(from), spec));

/** (a) Outside packages/server: imports, package deep imports and path literals into packages/server/src. */
export function outsideReaches(files: readonly Source[], exported: readonly string[]): string[] {
  const found: string[] = [];
  const allowedPkg = new Set(exported.map((k) => (k === '.' ? '@shuzhi/server' : `@shuzhi/server/${k.replace(/^\.\//, '')}`)));
  for (const f of files) {
    if (f.path.startsWith('packages/server/')) continue;
    if (f.path.endsWith('package.json')) {
      const scripts = (JSON.parse(f.text) as { scripts?: Record<string, string> }).scripts ?? {};
      for (const [name, cmd] of Object.entries(scripts)) if (cmd.includes('packages/server/src/')) found.push(`${f.path}: script "${name}" runs ${cmd}`);
      continue;
    }
    const specs = imports(f.text).map((i) => i.spec);
    for (const spec of specs) {
      if (spec.startsWith('.') && resolveRelative(f.path, spec).startsWith('packages/server/src/')) found.push(`${f.path}: imports ${spec}`);
      else if ((spec === '@shuzhi/server' || spec.startsWith('@shuzhi/server/')) && !allowedPkg.has(spec)) found.push(`${f.path}: imports ${spec} (not in @shuzhi/server's exports)`);
    }
    // A path to a source file in a string of its own (a spawned CLI, a URL), not prose that mentions one.
    for (const m of f.text.matchAll(/['"`]([^'"`\s]*packages\/server\/src\/[^'"`\s]*)['"`]/g)) {
      if (!specs.includes(m[1]!)) found.push(`${f.path}: names the path ${m[1]}`);
    }
  }
  return found;
}

interface Tables {
  /** Owner of each schema file: a module's name, or 'platform'. */
  schemaOwner: Map<string, string>;
  /** Table export name and SQL name → owning module (module tables only). */
  moduleTable: Map<string, string>;
  moduleSqlTable: Map<string, string>;
}

const ownerOf = (file: string, modules: ReadonlySet<string>): string => {
  const m = /^packages\/server\/src\/([^/]+)\//.exec(file);
  return m && modules.has(m[1]!) ? m[1]! : 'platform';
};

function tablesOf(files: readonly Source[], modules: ReadonlySet<string>): Tables {
  const t: Tables = { schemaOwner: new Map(), moduleTable: new Map(), moduleSqlTable: new Map() };
  for (const f of files) {
    if (!/^packages\/server\/src\/(.+\/db-schema|db\/schema)\.ts$/.test(f.path)) continue;
    const owner = ownerOf(f.path, modules);
    t.schemaOwner.set(f.path, owner);
    if (owner === 'platform') continue;
    for (const m of f.text.matchAll(/export\s+const\s+(\w+)\s*=\s*pgTable\(\s*['"]([^'"]+)['"]/g)) {
      t.moduleTable.set(m[1]!, owner);
      t.moduleSqlTable.set(m[2]!, owner);
    }
  }
  return t;
}

/** (b) Inside packages/server/src: who names which module's tables. Each finding starts with the file. */
export function tableCrossings(files: readonly Source[]): string[] {
  const src = files.filter((f) => f.path.startsWith('packages/server/src/'));
  const modules = new Set(src.filter((f) => /^packages\/server\/src\/[^/]+\/module\.ts$/.test(f.path)).map((f) => f.path.split('/')[3]!));
  const t = tablesOf(src, modules);
  const found: string[] = [];
  for (const f of src) {
    const me = ownerOf(f.path, modules);
    for (const { spec, names } of imports(f.text)) {
      if (!spec.startsWith('.')) continue;
      const target = resolveRelative(f.path, spec);
      const owner = t.schemaOwner.get(target);
      if (owner === undefined || owner === me) continue;
      if (owner !== 'platform') {
        found.push(`${f.path}: imports ${target} (${owner}'s tables)`);
        continue;
      }
      // The platform's schema file: any name it passes on from a module is still that module's table.
      const foreign = names.filter((n) => t.moduleTable.has(n) && t.moduleTable.get(n) !== me);
      for (const owners of new Set(foreign.map((n) => t.moduleTable.get(n)!))) {
        found.push(`${f.path}: imports ${owners} tables ${foreign.filter((n) => t.moduleTable.get(n) === owners).join(', ')} through ${target}`);
      }
    }
    // Raw SQL in drizzle's sql`…` templates that names another module's table.
    for (const m of f.text.matchAll(/\bsql(?:\.raw)?`([^`]*)`/g)) {
      const body = m[1]!.replace(/\$\{[^}]*\}/g, ' ');
      for (const [table, owner] of t.moduleSqlTable) {
        if (owner === me) continue;
        if (new RegExp(`\\b(from|join|into|update)\\s+"?${table}"?(?![\\w.])`, 'i').test(body)) found.push(`${f.path}: SQL names ${owner}'s table ${table}`);
      }
    }
  }
  return found;
}

/** Findings the allow-list does not cover, and allow-list entries no finding needs any more. */
function judge(found: readonly string[]): { unexpected: string[]; stale: Allowed[] } {
  const covers = (a: Allowed, f: string) => f.startsWith(`${a.file}: ${a.finding}`);
  return {
    unexpected: found.filter((f) => !ALLOWED.some((a) => covers(a, f))),
    stale: ALLOWED.filter((a) => !found.some((f) => covers(a, f))),
  };
}

const exportsOfServer = () => Object.keys((JSON.parse(readFileSync(path.join(SERVER, 'package.json'), 'utf8')) as { exports: Record<string, string> }).exports);

test('nothing outside packages/server reaches into its src/: it uses @shuzhi/server and @shuzhi/server/testing', () => {
  const found = outsideReaches(walk(ROOT).map(load), exportsOfServer());
  assert.deepEqual(found, [], `use the package's public entries instead:\n${found.join('\n')}`);
});

test('a module names only its own tables and the platform\'s; the platform names no module\'s', () => {
  const { unexpected, stale } = judge(tableCrossings(walk(SRC).map(load)));
  assert.deepEqual(unexpected, [], `ask the owning module's service (ComputeModule.runs, .planning, …) instead:\n${unexpected.join('\n')}`);
  assert.deepEqual(stale, [], 'these allowed crossings are gone: remove them from ALLOWED (and the re-export in db/schema.ts)');
});

test('the scan sees each kind of crossing (so a clean tree means something)', () => {
  const outside = outsideReaches(
    [
      { path: 'bench/x/bench.ts', text: "import { Platform } from '../../packages/server/src/platform.ts';" },
      { path: 'packages/compute/test/a.test.ts', text: "const m = await import('../../server/src/cli/plan.ts');" },
      { path: 'test/system/b.test.ts', text: "import type { Db } from '@shuzhi/server/src/db/client.ts';\nimport { loadConfig } from '@shuzhi/server';" },
      { path: 'scripts/c.mjs', text: "spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts'])" },
      { path: 'package.json', text: JSON.stringify({ scripts: { s: 'tsx packages/server/src/cli/main.ts' } }) },
    ],
    ['.', './testing'],
  );
  assert.deepEqual(outside, [
    'bench/x/bench.ts: imports ../../packages/server/src/platform.ts',
    'packages/compute/test/a.test.ts: imports ../../server/src/cli/plan.ts',
    'test/system/b.test.ts: imports @shuzhi/server/src/db/client.ts (not in @shuzhi/server\'s exports)',
    'scripts/c.mjs: names the path packages/server/src/cli/main.ts',
    'package.json: script "s" runs tsx packages/server/src/cli/main.ts',
  ]);
  const schema = "export const jobs = pgTable('jobs', {});\nexport const runs = pgTable('runs', {});";
  const crossings = tableCrossings([
    { path: 'packages/server/src/compute/module.ts', text: '' },
    { path: 'packages/server/src/compute/db-schema.ts', text: schema },
    { path: 'packages/server/src/billing/module.ts', text: '' },
    { path: 'packages/server/src/billing/db-schema.ts', text: "import { tenants } from '../db/schema.ts';\nexport const charges = pgTable('billing_charges', {});" },
    { path: 'packages/server/src/db/schema.ts', text: "export const tenants = pgTable('tenants', {});\nexport { jobs } from '../compute/db-schema.ts';" },
    { path: 'packages/server/src/billing/a.ts', text: "import { runs } from '../compute/db-schema.ts';" },
    { path: 'packages/server/src/billing/b.ts', text: "import { jobs, tenants } from '../db/schema.ts';" },
    { path: 'packages/server/src/billing/c.ts', text: 'await db.execute(sql`select * from runs r join "jobs" j on j.id = r.job_id`);' },
    { path: 'packages/server/src/compute/d.ts', text: "import { jobs } from './db-schema.ts';\nimport { tenants } from '../db/schema.ts';\nsql`update jobs set x = 1`;" },
  ]);
  assert.deepEqual(crossings, [
    'packages/server/src/db/schema.ts: imports packages/server/src/compute/db-schema.ts (compute\'s tables)',
    'packages/server/src/billing/a.ts: imports packages/server/src/compute/db-schema.ts (compute\'s tables)',
    'packages/server/src/billing/b.ts: imports compute tables jobs through packages/server/src/db/schema.ts',
    'packages/server/src/billing/c.ts: SQL names compute\'s table jobs',
    'packages/server/src/billing/c.ts: SQL names compute\'s table runs',
  ]);
});
