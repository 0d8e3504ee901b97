import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Worker } from '@shuzhi/agent';
import { newWorker, operatorToken, smallSite, startPlatform, type TestPlatform } from './helpers.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/shuzhi.mjs', import.meta.url));

let t: TestPlatform;
let token: string;
let agent: Worker;
before(async () => {
  t = await startPlatform({ leaseMs: 3000 });
  await t.p.compute.network.createSite(smallSite('cli-site'), 'test');
  token = await operatorToken(t.p);
  agent = await newWorker(t, 'cli-site', 'cli-agent');
  agent.start();
});
after(async () => {
  await agent.stop();
  await t.close();
});

const shuzhi = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [bin, ...args], { env: { ...process.env, SHUZHI_SERVER: t.url, SHUZHI_TOKEN: token, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

test('job submit --wait, list, get and site list against a running server', async () => {
  const sub = await shuzhi([
    'job', 'submit', '--name', 'cli job', '--type', 'cpu', '--units', '2', '--hours', '1',
    '--tenant', 'tianshan-ai', '--command', 'echo from the cli', '--wait',
  ]);
  assert.equal(sub.code, 0, sub.stderr);
  const id = /submitted (job_\S+)/.exec(sub.stdout)?.[1];
  assert.ok(id, sub.stdout);
  assert.match(sub.stderr, /succeeded/);

  const list = await shuzhi(['job', 'list']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, new RegExp(`${id}\\s+succeeded\\s+cli-site`));

  const get = await shuzhi(['job', 'get', id, '--json']);
  const j = JSON.parse(get.stdout);
  assert.equal(j.status, 'succeeded');
  assert.equal(j.runs[0].agentId, agent.id);

  const sites = await shuzhi(['site', 'list']);
  assert.match(sites.stdout, /hami\s+xinjiang\s+intelligent/);
});

test('usage errors exit 2 with a message; a bad token exits 1 saying why', async () => {
  const missing = await shuzhi(['job', 'submit', '--type', 'cpu']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing --name/);
  const unknown = await shuzhi(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command/);
  const bad = await shuzhi(['job', 'list'], { SHUZHI_TOKEN: 'wrong' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /AUTH_INVALID/);
  const help = await shuzhi(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /SHUZHI_BOOTSTRAP_TOKEN/);
});

test('login prints a working token; a wrong password exits 1 and prints no token', async () => {
  const ok = await shuzhi(['login', '--username', 'tenant', '--password', 'tenant-demo'], { SHUZHI_TOKEN: '' });
  assert.equal(ok.code, 0, ok.stderr);
  const tok = /export SHUZHI_TOKEN=(\S+)/.exec(ok.stdout)?.[1];
  assert.ok(tok, ok.stdout);
  const list = await shuzhi(['job', 'list', '--json'], { SHUZHI_TOKEN: tok });
  assert.equal(list.code, 0, list.stderr);
  const items = (JSON.parse(list.stdout) as { items: { tenantId: string }[] }).items;
  assert.ok(items.length > 0, 'the first test submitted a job for this tenant');
  assert.ok(items.every((j) => j.tenantId === 'tianshan-ai'), 'the tenant token sees only its own jobs');
  const bad = await shuzhi(['login', '--username', 'tenant', '--password', 'wrong'], { SHUZHI_TOKEN: '' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /login as tenant failed \(401\)/);
  assert.doesNotMatch(bad.stdout, /SHUZHI_TOKEN/);
});
