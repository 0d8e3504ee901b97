#!/usr/bin/env node
// Makes the upgrade fixtures: databases written by an earlier release of Shuzhi, which the upgrade
// tests open with today's server (packages/server/test/upgrade.test.ts for PGlite,
// test/system/upgrade-postgres.test.ts for PostgreSQL).
//
//   node --import tsx scripts/make-upgrade-fixture.mjs [--tag v0.1.0] [--seconds 45]
//
// v0.1.0 is an annotated tag on 8539490 (2026-11-27), the last commit before the one worker protocol
// (63b804f): compute network, render farm, gov, mine and billing as first released. Its schema lacks
// core migrations 0004–0005, billing 0002 and the workers module, so the fixture exercises real upgrades.
//
// For the tag it: checks the release out into a temporary git worktree (<tmp>/shuzhi-fixture-<tag>/src,
// beside a link to ../shared) and runs `npm ci` there; runs that release's `shuzhi serve` with the demo
// (SHUZHI_DEMO=1, one demo worker per agent site, no demo render nodes, so the demo render job waits);
// files two gov cases through its API (an enterprise change the officers work until its certificates
// are issued, a newborn application left open); lets the demo's jobs run, bill and be recorded for
// --seconds; stops it with SIGINT; then saves, under packages/server/test/fixtures/<tag>/:
//   pglite.tar.xz   the PGlite data directory (<data dir>/pglite) as a tar, xz -9e (gzip would be ~6 MB:
//                   a fresh PGlite directory alone is 3 MB of catalogues and a 16 MB WAL segment)
//   postgres.sql.gz a plain pg_dump, gzipped, (--no-owner --no-privileges) of the same run against a throw-away
//                   PostgreSQL 15 (test/support/postgres.ts)
//   manifest.json   per table: row count, primary keys, and the fields of users, jobs, bills, cases,
//                   certificates … that must survive (packages/server/test/fixtures/snapshot.ts)
// Needs root for the demo's sandboxed workers and PostgreSQL binaries in /usr/lib/postgresql/15/bin.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PG_BIN_DIR, startPostgres } from '../test/support/postgres.ts';
import { snapshot } from '../packages/server/test/fixtures/snapshot.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const tag = arg('tag', 'v0.1.0');
const seconds = Number(arg('seconds', '45'));
const out = join(root, 'packages/server/test/fixtures', tag);
const MAX_TARBALL = 2 * 1024 * 1024;

const git = (...a) => execFileSync('git', ['-C', root, ...a], { encoding: 'utf8' }).trim();
const commit = git('rev-list', '-n', '1', tag);
// The checkout finds ../shared (the demo's render scene, data sets) as the repository does.
const base = join(tmpdir(), `shuzhi-fixture-${tag}`);
const src = join(base, 'src');
mkdirSync(base, { recursive: true });
if (!existsSync(join(base, 'shared'))) symlinkSync(resolve(root, '..', 'shared'), join(base, 'shared'));
if (!existsSync(join(src, 'package.json'))) {
  console.log(`checking out ${tag} (${commit.slice(0, 7)}) into ${src}`);
  git('worktree', 'add', '--detach', src, tag);
}
if (!existsSync(join(src, 'node_modules'))) {
  console.log('npm ci in the release checkout');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: src, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm ci failed in the release checkout');
}

/** Runs the release's server with the demo for `seconds`, then stops it with SIGINT. */
async function runRelease(env) {
  // The release's `shuzhi` command (v0.1.0 has bin/shuzhi.mjs too), not its source files.
  const child = spawn(process.execPath, ['packages/server/bin/shuzhi.mjs', 'serve'], {
    cwd: src,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      SHUZHI_DEMO: '1',
      SHUZHI_DEMO_AGENTS: '1',
      SHUZHI_RENDER_DEMO_NODES: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const ready = await Promise.race([
    new Promise((r) => {
      const t = setInterval(() => {
        if (text.includes('ready in')) {
          clearInterval(t);
          r(true);
        }
      }, 200);
    }),
    exited.then(() => false),
    new Promise((r) => setTimeout(() => r(false), 240_000)),
  ]);
  if (!ready) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    throw new Error(`the ${tag} server did not start:\n${text}`);
  }
  const url = /running at (http:\/\/\S+)/.exec(text)[1];
  console.log(`${tag} server up at ${url}; gov cases through its API, then the demo runs ${seconds} s`);
  await govCases(url);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  process.kill(-child.pid, 'SIGINT');
  const kill = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }, 60_000);
  const r = await exited;
  clearTimeout(kill);
  console.log(`${tag} server stopped (${r.code ?? r.signal})`);
}

/** A logged-in API client of the release's server (demo passwords are `<user>-demo`). */
async function as(url, username) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: `${username}-demo` }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  return async (method, path, body) => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: { cookie, origin: url, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

const ALL_CONSENT = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'];
const OFFICERS = ['officer-market', 'officer-tax', 'officer-hrss', 'officer-medins', 'officer-housing', 'officer-bank', 'officer-police', 'officer-health'];

/**
 * Gov cases the demo does not make by itself: an enterprise change worked by every department until
 * its certificates are issued, and a newborn application left in the officers' queues.
 */
async function govCases(url) {
  const answersFor = (pre) =>
    Object.fromEntries(
      pre.fields
        .filter((f) => f.status === 'needed')
        .map((f) => [f.key, { phone: '13800138000', bank_account: '6222020200112233', date: '2025-06-01', number: 3, money_fen: 100000, boolean: true, choice: f.choices?.[0] ?? 'x', resident_id: '11010519491231002X', credit_code: '91350100M000100Y43' }[f.type] ?? '测试']),
    );
  const materialsFor = (pre) =>
    pre.materials
      .filter((m) => m.status === 'upload' || m.status === 'commitment')
      .map((m) => ({ materialId: m.materialId, kind: 'upload', fileName: `${m.materialId}.pdf`, sha256: '0'.repeat(64) }));
  const apply = async (username, itemId, key) => {
    const c = await as(url, username);
    const pre = await c('POST', '/api/gov/prefill', { itemId, consent: ALL_CONSENT });
    if (pre.status !== 200) throw new Error(`prefill ${itemId}: ${JSON.stringify(pre.body)}`);
    const r = await c('POST', '/api/gov/applications', { itemId, idempotencyKey: key, draftId: pre.body.draftId, channel: 'app', consent: ALL_CONSENT, answers: answersFor(pre.body), materials: materialsFor(pre.body) });
    if (r.status !== 201) throw new Error(`apply ${itemId}: ${JSON.stringify(r.body)}`);
    return { c, id: r.body.application.id };
  };
  const company = await apply('enterprise', 'item_enterprise_info_change', 'fixture-company-change-1');
  const officers = await Promise.all(OFFICERS.map((o) => as(url, o)));
  for (let round = 0; round < 20; round++) {
    let acted = false;
    for (const c of officers) {
      const q = await c('GET', '/api/gov/tasks');
      for (const e of q.body.items.filter((x) => x.applicationId === company.id)) {
        if (e.state === 'ready') await c('POST', `/api/gov/applications/${company.id}/tasks/${e.serviceId}/actions`, { action: 'accept' });
        if (e.state === 'ready' || e.state === 'accepted') {
          await c('POST', `/api/gov/applications/${company.id}/tasks/${e.serviceId}/actions`, { action: 'approve' });
          acted = true;
        }
      }
    }
    if (!acted) break;
  }
  const app = await company.c('GET', `/api/gov/applications/${company.id}`);
  if (app.body.status !== 'issued' || app.body.certificates.length === 0) throw new Error(`the company change was not issued: ${JSON.stringify(app.body).slice(0, 500)}`);
  await apply('citizen', 'item_newborn', 'fixture-newborn-1');
  console.log(`gov: case ${company.id} issued ${app.body.certificates.length} certificates; a newborn case waits`);
}

mkdirSync(out, { recursive: true });
const manifest = {
  tag,
  commit,
  madeAt: new Date().toISOString(),
  madeBy: 'node --import tsx scripts/make-upgrade-fixture.mjs',
  demo: { SHUZHI_DEMO_AGENTS: 1, SHUZHI_RENDER_DEMO_NODES: 0, seconds },
};

// ---- PGlite ----
const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-fixture-data-'));
try {
  await runRelease({ SHUZHI_DATA_DIR: dataDir });
  const db = new PGlite(join(dataDir, 'pglite'));
  await db.waitReady;
  manifest.pglite = await snapshot(db);
  await db.query('checkpoint');
  await db.close();
  const tarball = join(out, 'pglite.tar.xz');
  execFileSync('tar', ['-C', dataDir, '--owner=0', '--group=0', '--numeric-owner', '-I', 'xz -9e -T1', '-cf', tarball, 'pglite']);
  const size = statSync(tarball).size;
  console.log(`pglite.tar.xz: ${(size / 1024 / 1024).toFixed(2)} MB`);
  if (size > MAX_TARBALL) throw new Error(`pglite.tar.xz is ${size} bytes, over the ${MAX_TARBALL} budget`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

// ---- PostgreSQL ----
const pgDataDir = mkdtempSync(join(tmpdir(), 'shuzhi-fixture-data-'));
const server = await startPostgres({ database: 'shuzhi_fixture' });
try {
  await runRelease({ SHUZHI_DATA_DIR: pgDataDir, DATABASE_URL: server.url });
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  manifest.postgres = await snapshot(c);
  await c.end();
  const u = new URL(server.url);
  const sql = execFileSync(
    join(PG_BIN_DIR, 'pg_dump'),
    ['-h', u.hostname, '-p', u.port, '-U', u.username, '--no-owner', '--no-privileges', '--format=plain', u.pathname.slice(1)],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const gz = gzipSync(sql, { level: 9 });
  writeFileSync(join(out, 'postgres.sql.gz'), gz);
  console.log(`postgres.sql.gz: ${(gz.length / 1024 / 1024).toFixed(2)} MB (${(Buffer.byteLength(sql) / 1024 / 1024).toFixed(2)} MB of SQL)`);
} finally {
  await server.stop();
  rmSync(pgDataDir, { recursive: true, force: true });
}

writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
for (const kind of ['pglite', 'postgres']) {
  const s = manifest[kind];
  const n = (t) => s[t]?.count ?? 0;
  console.log(
    `${kind}: users ${n('users')}, jobs ${n('jobs')}, bills ${n('billing_charges')}, cases ${n('gov_applications')}, certificates ${n('gov_certificates')}, render jobs ${n('render_jobs')}`,
  );
}
console.log(`fixture written to ${out}; remove the release checkout with: git worktree remove --force ${src} && rm -r ${base}`);
