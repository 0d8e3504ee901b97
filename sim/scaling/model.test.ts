import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ASSUMPTIONS, OTHER_BENCHES, plannerSeconds, stagePlan, type Measured } from './model.ts';

const measured: Measured = { jobsPerSecPerControlPlane: 50, rowsPerJob: 20, bytesPerJob: 10_000, source: 'hand' };

test('planner time passes through both measured points', () => {
  assert.ok(Math.abs(plannerSeconds(10_000) - OTHER_BENCHES.plannerSec10k) < 1e-9);
  assert.ok(Math.abs(plannerSeconds(100_000) - OTHER_BENCHES.plannerSec100k) < 1e-9);
});

test('a stage by hand: 864,000 jobs a day peak at 40 jobs/s, under a 50 jobs/s leader', () => {
  const p = stagePlan({ name: 'hand', sites: 1, workers: 0, renderNodes: 0, computeJobsPerDay: 864_000, queuedJobs: 10_000 }, measured);
  const jobs = p.loads.find((l) => l.resource.startsWith('compute jobs'))!;
  // 864,000 / 86,400 = 10 jobs/s on average, × peak factor 4 = 40 jobs/s; 40 / 50 = 0.8
  assert.equal(ASSUMPTIONS.peakFactor, 4);
  assert.ok(Math.abs(jobs.need - 40) < 1e-9);
  assert.ok(Math.abs(jobs.utilisation - 0.8) < 1e-9);
  // 864,000 jobs × 10 kB × 90 days = 777.6 GB
  const db = p.loads.find((l) => l.resource.startsWith('operational database'))!;
  assert.ok(Math.abs(db.need - 777.6) < 1e-6);
  assert.equal(p.firstLimit.resource, 'compute jobs through the leader');
  assert.equal(p.regionalControlPlanes, 1);
});

test('past one leader: twice its capacity needs two regional control planes', () => {
  const p = stagePlan({ name: 'x', sites: 1, workers: 0, renderNodes: 0, computeJobsPerDay: 2_160_000, queuedJobs: 10_000 }, measured);
  // 2,160,000 / 86,400 × 4 = 100 jobs/s = 2 × 50
  assert.equal(p.firstLimit.resource, 'compute jobs through the leader');
  assert.equal(p.regionalControlPlanes, 2);
});
