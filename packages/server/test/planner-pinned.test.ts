import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlannerService } from '../src/planner/service.ts';
import { smallSite } from './helpers.ts';

/**
 * A job its tenant pinned to sites is never planned, so it must not wait for a plan either: the
 * planner's placement places it at once (it used to wait for the re-plan its arrival triggered).
 */
test('a pinned job is placed before any plan exists; an unpinned one waits for the plan', () => {
  const planner = new PlannerService(null as never, null as never, null as never, null as never, () => Date.parse('2026-12-05T10:00:00Z'));
  const site = smallSite('pinned-site');
  const free = () => 64;
  const job = { jobId: 'job_new', tenantId: 'acme', type: 'cpu', units: 1, hours: 1, regions: [], homeRegion: null, dataGB: 0 };
  const pinned = planner.placeFn({ ...job, sites: ['pinned-site'] }, [site], free, Date.parse('2026-12-05T10:00:00Z'), []);
  assert.equal(pinned?.siteId, 'pinned-site');
  assert.match(pinned!.explanation, /^pinned by its tenant to pinned-site; /);
  assert.equal(planner.placeFn(job, [site], free, Date.parse('2026-12-05T10:00:00Z'), []), null);
});
