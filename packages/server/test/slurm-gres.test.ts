import assert from 'node:assert/strict';
import { test } from 'node:test';
import { submitBody } from '../src/compute/slurm/rest-map.ts';
import { gresTypeOf, jobSpecOf } from '../src/compute/slurm/script.ts';

const task = {
  taskId: 't1', attempt: 0, jobId: 'j1', jobName: 'train', siteId: 's', type: 'gpu', units: 8, hours: 1,
  command: 'true', env: {}, tenantId: 'tianshan-ai', priority: 50, createdAtMs: 0, readyAtMs: 0,
};
const cfg = { siteId: 's', connection: { kind: 'cli' as const }, workRoot: '/w', cpusPerNode: 4 };

test('a job asking for a model gets --gres=gpu:<type>:N; one group keeps it on one node', () => {
  assert.equal(gresTypeOf('A800'), 'a800');
  assert.equal(gresTypeOf('昇腾 910B'), '910b');
  const plain = jobSpecOf(task, cfg, '/w/t1.0', '/w/t1.0/job.sh');
  assert.equal(plain.gresType, undefined);
  assert.equal(plain.nodes, 2, '8 units at 4 CPUs a node');
  const spec = jobSpecOf({ ...task, accelerator: '昇腾 910B', oneGroup: true }, cfg, '/w/t1.0', '/w/t1.0/job.sh');
  assert.equal(spec.gresType, '910b');
  assert.equal(spec.gpus, 8);
  assert.equal(spec.nodes, 1, 'one interconnect group: one node');
  // Over slurmrestd the GRES travels as a directive in the script (0.0.38 has no gres field).
  const body = submitBody(spec, '#!/bin/bash\ntrue\n');
  assert.equal(body.script, '#!/bin/bash\n#SBATCH --gres=gpu:910b:8\ntrue\n');
  assert.equal('gpus' in body.job, false);
});
