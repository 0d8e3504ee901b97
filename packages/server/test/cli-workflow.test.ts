import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const dir = mkdtempSync(join(tmpdir(), 'shuzhi-wf-cli-'));
before(async () => {
  t = await startPlatform({ leaseMs: 3000 });
  await t.p.compute.network.createSite(smallSite('wf-site'), 'test');
  token = await operatorToken(t.p);
  agent = await newWorker(t, 'wf-site', 'wf-agent', { slots: 4 });
  agent.start();
});
after(async () => {
  await agent.stop();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const shuzhi = (args: string[]) =>
  run(process.execPath, [bin, ...args], { env: { ...process.env, SHUZHI_SERVER: t.url, SHUZHI_TOKEN: token } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const common = ['--type', 'cpu', '--units', '1', '--hours', '0.1', '--tenant', 'tianshan-ai', '--sites', 'wf-site'];

test('job submit --after and --array, job tasks and job logs --task', async () => {
  const first = await shuzhi(['job', 'submit', '--name', 'first', ...common, '--command', 'sleep 12', '--json']);
  const parent = JSON.parse(first.stdout).id as string;
  const sweep = await shuzhi(['job', 'submit', '--name', 'sweep', ...common, '--command', 'echo "i=$SHUZHI_ARRAY_TASK_ID"', '--array', '0-3%2', '--after', `ok:${parent}`, '--on-parent-failure', 'hold', '--wait']);
  assert.equal(sweep.code, 0, sweep.stderr);
  assert.match(sweep.stdout, new RegExp(`waiting for ${parent} \\(afterok\\)`));
  const id = /submitted (job_\S+)/.exec(sweep.stdout)![1]!;
  const tasks = await shuzhi(['job', 'tasks', id]);
  assert.match(tasks.stdout, /^\s+3 succeeded/m);
  assert.match(tasks.stdout, /4 of 4 made/);
  const logs = await shuzhi(['job', 'logs', id, '--task', '2']);
  assert.equal(logs.stdout.trim(), 'i=2');
  const list = await shuzhi(['job', 'list']);
  assert.match(list.stdout, new RegExp(`${id}.*\\[array 0-3%2: 4 succeeded\\]`));
  const bad = await shuzhi(['job', 'submit', '--name', 'x', ...common, '--command', 'true', '--array', '0-3%0']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /array/);
});

test('workflow submit from YAML, get, list and cancel', async () => {
  const file = join(dir, 'wf.yaml');
  writeFileSync(
    file,
    `name: train and evaluate
tenantId: tianshan-ai
steps:
  - name: fetch
    job: { name: fetch, type: cpu, units: 1, hours: 0.1, sites: [wf-site], command: "sleep 20" }
  - name: train
    after: [fetch]
    job: { name: train, type: cpu, units: 1, hours: 0.1, sites: [wf-site], command: "true" }
`,
  );
  const sub = await shuzhi(['workflow', 'submit', file]);
  assert.equal(sub.code, 0, sub.stderr);
  const id = /^(wf_\S+)/.exec(sub.stdout)![1]!;
  assert.match(sub.stdout, /train\s+job_\S+\s+queued\s+-\s+after fetch\s+\(waiting for job_/);
  assert.match((await shuzhi(['workflow', 'list'])).stdout, new RegExp(`${id}\\s+active\\s+train and evaluate`));
  const cancelled = await shuzhi(['workflow', 'cancel', id]);
  assert.match(cancelled.stdout, /cancelled\s+\(2 cancelled\)/);
  const json = JSON.parse((await shuzhi(['workflow', 'get', id, '--json'])).stdout);
  assert.deepEqual(json.edges, [{ from: 'fetch', to: 'train', kind: 'ok' }]);
});
