// The shared executor suite run directly against AgentExecutor, the engine behind every agent site.
// The suite calls submit/cancel on it and records its reports in a RecordingHost; real agents (the
// @shuzhi/agent Worker, tasks in the bubblewrap sandbox) pull the work over the real worker protocol:
// a real WorkerHub and WorkerRegistry on the test platform's database, behind this file's own small
// HTTP endpoint (the platform's routes stay bound to its own engine; their auth is tested in npm test).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { chmodSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ShellRunner, Worker, openSandbox } from '@shuzhi/agent';
import { WorkerSyncRequest } from '@shuzhi/schema';
import { AgentExecutor, AppError, WorkerHub, WorkerRegistry, shellTaskLimits, shellWorkSource } from '@shuzhi/server/testing';
import { client, enrollWorker, login, smallSite, startPlatform, workerDir } from '../../packages/server/test/helpers.ts';
import type { TestPlatform } from '../../packages/server/test/helpers.ts';
import { RecordingHost, executorSuite } from './executor-suite.ts';

const SITE = 'exec-suite-agent';
// Long enough that a busy CI machine does not starve a healthy agent's heartbeats (a third of it), short
// enough that a killed agent's task is reported lost quickly.
const LEASE_MS = 4000;

/** POST /api/workers/{id}/sync, authenticated by the worker's credential, into `hub`; problems as the platform answers them. */
function workerEndpoint(hub: WorkerHub): Server {
  return createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'application/problem+json' });
      res.end(JSON.stringify(body));
    };
    const m = /^\/api\/workers\/([^/]+)\/sync$/.exec(req.url ?? '');
    const credential = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (req.method !== 'POST' || !m || !credential) return answer(404, { code: 'NOT_FOUND', detail: `${req.method} ${req.url}` });
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      void (async () => {
        const w = await hub.registry.authenticate(credential);
        if (!w) return answer(401, { code: 'WORKER_CREDENTIAL_INVALID', detail: 'unknown credential' });
        answer(200, await hub.sync(w, decodeURIComponent(m[1]!), WorkerSyncRequest.parse(JSON.parse(raw)), abort.signal));
      })().catch((e: unknown) => {
        if (e instanceof AppError) answer(e.status, { code: e.code, status: e.status, detail: e.message, ...(e.errors ? { errors: e.errors } : {}) });
        else answer(500, { code: 'INTERNAL', detail: String(e) });
      });
    });
  });
}

executorSuite('agent', async () => {
  const t: TestPlatform = await startPlatform();
  const op = client(t.url, { cookie: await login(t.url, 'operator') });
  const created = await op.req('POST', '/api/sites', smallSite(SITE));
  if (created.status !== 201) throw new Error(`site: ${created.status} ${JSON.stringify(created.body)}`);

  const host = new RecordingHost();
  const executor = new AgentExecutor(host, t.p.database.db, t.p.log, { leaseMs: LEASE_MS, now: () => Date.now(), limits: shellTaskLimits });
  const hub = new WorkerHub(new WorkerRegistry(t.p.database.db, t.p.bus, t.p.compute.network));
  hub.register(shellWorkSource(t.p.compute.network, executor));
  // The owner's periodic work, as the compute dispatcher's tick does it.
  const ticker = setInterval(() => void executor.expireLeases(), 250);
  const endpoint = workerEndpoint(hub);
  await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
  const server = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;

  // Real isolation: bubblewrap must be there (no unsandboxed fallback in this suite).
  const sandbox = await openSandbox();
  let agents = 0;
  const startAgent = async () => {
    const name = `suite-agent-${agents++}`;
    const { credential } = await enrollWorker(t.p, SITE, name);
    const w = new Worker({ server, credential, slots: 2, tags: [], workDir: workerDir(name), runners: [new ShellRunner()], sandbox, waitMs: 1000, log: () => undefined });
    w.start();
    return w;
  };
  let agent = await startAgent();

  // A secret the server keeps in its (private) data directory: tasks must neither list nor read it.
  const secret = `suite-secret-${randomBytes(8).toString('hex')}`;
  const secretFile = join(t.dataDir, 'suite-secret.txt');
  writeFileSync(secretFile, secret);
  chmodSync(secretFile, 0o600);

  return {
    executor,
    host,
    siteId: SITE,
    accounts: false,
    isolation: { dataDir: t.dataDir, secretFile, secret },
    async loseWorker() {
      await agent.stop({ kill: true });
      agent = await startAgent();
    },
    async cleanup() {
      clearInterval(ticker);
      await agent.stop();
      await executor.close();
      await new Promise<void>((r) => endpoint.close(() => r()));
      endpoint.closeAllConnections();
      await t.close();
    },
  };
});
