import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliSuite } from './cli-suite.ts';

const cli = cliSuite('wf-site', 'wf-agent', 4);
const shuzhi = cli.shuzhi;
const dir = mkdtempSync(join(tmpdir(), 'shuzhi-wf-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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
