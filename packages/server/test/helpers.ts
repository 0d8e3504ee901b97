import type { Clock } from '@shuzhi/schema';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellRunner, Worker, openSandbox, type Sandbox, type TaskRunner } from '@shuzhi/agent';
import type { SiteInput, WorkerCredential } from '@shuzhi/schema';
import { loadConfig } from '../src/config.ts';
import type { Logger } from '../src/log.ts';
import { Platform } from '../src/platform.ts';
import { seedDemo } from '../src/demo/seed.ts';
import { migratedDataDir } from './pglite-template.ts';
import type { BillingService } from '../src/billing/service.ts';

export interface TestPlatform {
  p: Platform;
  url: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A real platform on a loopback port. PGlite in a temp dir unless `databaseUrl` is given
 * (the system suite passes a real PostgreSQL). The demo network is seeded; no demo agents run.
 */
export async function startPlatform(
  opts: {
    leaseMs?: number;
    dataDir?: string;
    port?: number;
    databaseUrl?: string;
    fundTenants?: boolean;
    env?: Record<string, string>;
    /** Replaces the platform's logger (tests that read what the server logs). */
    log?: Logger;
    /** The platform's clock (a frozen or stepped one from manualClock). */
    clock?: Clock;
  } = {},
): Promise<TestPlatform> {
  // A test of a first start (its own key, the bootstrap token, PostgreSQL) gets an empty directory;
  // every other test a copy of the migrated template, which spares it an initdb and the migrations.
  const firstStart = Boolean(opts.databaseUrl || opts.env?.DATABASE_URL || opts.env?.SHUZHI_SECRETS_KEY || opts.env?.SHUZHI_BOOTSTRAP_TOKEN);
  const dataDir = opts.dataDir ?? (firstStart ? mkdtempSync(join(tmpdir(), 'shuzhi-test-')) : await migratedDataDir());
  const config = loadConfig({
    SHUZHI_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SHUZHI_LEASE_MS: String(opts.leaseMs ?? 15_000),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  });
  const p = await Platform.open({ config, ...(opts.log ? { log: opts.log } : {}), ...(opts.clock ? { clock: opts.clock } : {}) });
  await seedDemo(p);
  await p.start();
  // Work starts only when its tenant can pay: the demo tenants get money, as a real tenant tops up first.
  if (opts.fundTenants !== false) await fundDemoTenants(p);
  const port = await p.listen(opts.port ?? 0, '127.0.0.1');
  return {
    p,
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    close: async () => {
      await p.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function fundDemoTenants(p: Platform, amountFen = 100_000_000): Promise<void> {
  const billing = p.modules.find((m) => m.name === 'billing') as unknown as { service?: BillingService } | undefined;
  const service = billing?.service;
  if (!service) throw new Error('the billing module is not loaded; tests that run work need it');
  const operator = await p.auth.byOperatorName();
  for (const t of await p.compute.network.listTenants()) {
    await service.topUps.recordPaid(operator!, t.id, { amountFen, idempotencyKey: `test-funding-${t.id}` });
  }
}

export async function login(url: string, username: string, password = `${username}-demo`): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie');
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0]!;
}

/** A tiny client that sends a session cookie or a bearer token. */
export function client(url: string, auth: { cookie?: string; token?: string }) {
  const headers = (extra: Record<string, string> = {}) => ({
    // A browser names the page's origin on every write; the server refuses cookie writes without it.
    ...(auth.cookie ? { cookie: auth.cookie, origin: url } : {}),
    ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
    ...extra,
  });
  return {
    async req(method: string, path: string, body?: unknown) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: any = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = text;
      }
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: json };
    },
  };
}

export async function operatorToken(p: Platform): Promise<string> {
  const id = await p.auth.userIdByName('operator');
  return (await p.auth.createToken(id!, 'test')).token;
}

/** Enrolls a worker for a site as the demo operator; the answer carries its one-time credential. */
export async function enrollWorker(p: Platform, siteId: string, name: string): Promise<WorkerCredential> {
  const op = await p.auth.byOperatorName();
  if (!op) throw new Error('the test platform has no operator');
  return p.workers.registry.enroll(op, { siteId, name });
}

/** One raw call of the worker protocol, as a worker (or an attacker holding some credential) sends it. */
export async function workerSync(url: string, credential: string, workerId: string, body: Record<string, unknown>) {
  const res = await fetch(`${url}/api/workers/${workerId}/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ slots: 1, free: 0, waitMs: 0, runners: ['shell'], isolation: 'bubblewrap', ...body }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

let sandbox: Promise<Sandbox> | null = null;

/**
 * The sandbox test workers run their tasks in: bubblewrap, as in production (as root in CI, tasks
 * run as task uids); a non-root developer without bubblewrap gets the unsandboxed runner.
 */
export function testSandbox(): Promise<Sandbox> {
  sandbox ??= openSandbox({ allowUnsandboxed: true });
  return sandbox;
}

/** A fresh work directory that the sandbox's task uids may enter (bwrap binds task directories as them). */
export function workerDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `shuzhi-worker-${name}-`));
  chmodSync(dir, 0o711);
  return dir;
}

/**
 * A worker enrolled for `siteId` as the demo operator, running shell tasks (or `runners`) from a
 * fresh work directory, with its credential (for tests that then speak as it). Not started.
 */
export async function enrolledWorker(
  t: Pick<TestPlatform, 'p' | 'url'>,
  siteId: string,
  name: string,
  opts: { slots?: number; tags?: string[]; runners?: TaskRunner<any>[]; waitMs?: number } = {},
): Promise<{ worker: Worker; credential: string }> {
  const { credential } = await enrollWorker(t.p, siteId, name);
  const worker = new Worker({
    server: t.url,
    credential,
    slots: opts.slots ?? 1,
    tags: opts.tags ?? [],
    workDir: workerDir(name),
    runners: opts.runners ?? [new ShellRunner()],
    sandbox: await testSandbox(),
    waitMs: opts.waitMs ?? 2000,
    log: process.env.WORKER_DEBUG ? (m) => console.error(name, m) : () => undefined,
  });
  return { worker, credential };
}

/** enrolledWorker without the credential. */
export async function newWorker(...args: Parameters<typeof enrolledWorker>): Promise<Worker> {
  return (await enrolledWorker(...args)).worker;
}

/**
 * One sync of an agent with no free slot: the site counts as having an engine online for the lease
 * time, yet nothing is ever handed to it. Planning tests use it to make sites plannable.
 */
export async function announceAgent(t: TestPlatform, siteId: string, name = `idle-${siteId}`): Promise<void> {
  const w = await enrollWorker(t.p, siteId, name);
  const res = await workerSync(t.url, w.credential, w.id, {});
  if (res.status !== 200) throw new Error(`worker ${name} at ${siteId} could not sync: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function waitUntil<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const smallSite = (id: string, region = 'xinjiang'): SiteInput => ({
  id,
  nameZh: `测试站点 ${id}`,
  nameEn: `Test site ${id}`,
  region,
  kind: 'general',
  engine: 'agent',
  lat: 43,
  lon: 87,
  pue: 1.2,
  pools: [{ type: 'cpu', units: 64, busyW: 7, idleW: 2, pflopsPerUnit: 0.00002, fenPerUnitHour: 1 }],
  power: {
    tariffFenPerKWh: Array.from({ length: 24 }, () => 20),
    carbonGPerKWh: Array.from({ length: 24 }, () => 600),
    renewables: null,
    storage: null,
  },
  slurm: null,
  ownerTenantId: null,
});
