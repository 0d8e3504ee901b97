import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { client, login, startPlatform, type TestPlatform } from './helpers.ts';

const fixture = (name: string) => readFileSync(new URL(`../../compute/test/fixtures/sbatch/${name}`, import.meta.url), 'utf8');

let t: TestPlatform;
before(async () => {
  t = await startPlatform();
});
after(async () => {
  await t.close();
});

test('a dry run says what a script becomes and submits nothing; a submission creates the job', async () => {
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const before = (await tenant.req('GET', '/api/jobs')).body.total as number;
  const dry = await tenant.req('POST', '/api/jobs/sbatch', { script: fixture('princeton-multithreaded.sh'), fileName: 'mt.sh', dryRun: true });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.job, null);
  assert.deepEqual(dry.body.request, { name: 'multithread', type: 'cpu', units: 4, hours: 0.25, sites: [], envNames: [] });
  assert.equal((await tenant.req('GET', '/api/jobs')).body.total, before);

  const sub = await tenant.req('POST', '/api/jobs/sbatch', { script: fixture('princeton-gpu.sh'), env: {} });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  const job = (await tenant.req('GET', `/api/jobs/${sub.body.job.id}`)).body;
  assert.deepEqual([job.name, job.type, job.units, job.hours], ['myjob', 'gpu', 1, 1 / 60]);
});

test('a script that cannot run as written is a 422 naming each line; a role that may not submit gets 403', async () => {
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const refused = await tenant.req('POST', '/api/jobs/sbatch', { script: '#!/bin/sh\n#SBATCH --dependency=singleton\ntrue\n' });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, 'SBATCH_INVALID');
  assert.deepEqual(refused.body.errors.map((e: { path: string }) => e.path), ['line 2 --dependency=singleton']);
  // A dependency on a job the tenant does not have: the field is named, as for any submission.
  const unknown = await tenant.req('POST', '/api/jobs/sbatch', { script: fixture('slurm-dependency.sh') });
  assert.equal(unknown.status, 400);
  assert.deepEqual(unknown.body.errors.map((e: { path: string }) => e.path), ['after.0.jobId']);
  const array = await tenant.req('POST', '/api/jobs/sbatch', { script: fixture('princeton-array.sh') });
  assert.equal(array.status, 201, JSON.stringify(array.body));
  assert.deepEqual([array.body.job.array.spec, array.body.job.array.size], ['0-4', 5]);
  const bad = await tenant.req('POST', '/api/jobs/sbatch', { script: '#SBATCH --time=1\0\ntrue' });
  assert.equal(bad.status, 400);
  // A tenant may not submit a script for another tenant.
  const other = await tenant.req('POST', '/api/jobs/sbatch', { script: fixture('slurm-man-time.sh'), tenantId: 'karamay-studio' });
  assert.equal(other.status, 403, JSON.stringify(other.body));
  const citizen = client(t.url, { cookie: await login(t.url, 'citizen') });
  assert.equal((await citizen.req('POST', '/api/jobs/sbatch', { script: fixture('slurm-man-time.sh') })).status, 403);
});

test('--gres=gpu:MODEL:N asks for that accelerator: placed on a pool of that model, refused naming the field where none has it', async () => {
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const dry = await tenant.req('POST', '/api/jobs/sbatch', { script: fixture('nyu-gpu-type.sh'), dryRun: true });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.request.accelerator, 'p100');
  // The network has no P100: the ask is refused like any submission's, naming the field.
  const none = await tenant.req('POST', '/api/jobs/sbatch', { script: fixture('nyu-gpu-type.sh') });
  assert.equal(none.status, 400, JSON.stringify(none.body));
  assert.deepEqual(none.body.errors.map((e: { path: string }) => e.path), ['accelerator']);
  assert.match(none.body.errors[0].message, /not p100/);
  // Slurm's lower-case type names match the pools' models (A800 in the demo network).
  const sub = await tenant.req('POST', '/api/jobs/sbatch', { script: '#!/bin/sh\n#SBATCH --gres=gpu:a800:2\n#SBATCH --time=10\nnvidia-smi\n' });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  assert.deepEqual([sub.body.job.type, sub.body.job.units, sub.body.job.accelerator], ['gpu', 2, 'a800']);
});
