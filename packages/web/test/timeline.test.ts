import { describe, expect, it } from 'vitest';
import type { JobDetail, JobStatus, Run } from '@shuzhi/schema';
import { jobTimeline } from '../src/jobTimeline.ts';

function job(status: JobStatus, runs: Partial<Run>[] = [], siteId: string | null = null): JobDetail {
  return {
    id: 'job_1', tenantId: 't', name: 'n', type: 'gpu', units: 1, hours: 1, flex: 'malleable', home: null,
    dataGB: 0, regions: [], sites: [], priority: 50, command: 'true', env: {}, status, siteId,
    releaseAt: '2024-05-01T00:00:00Z', deadlineAt: null, createdAt: '2024-05-01T00:00:00Z',
    updatedAt: '2024-05-01T03:00:00Z', error: null, explanation: null, transfer: null, usage: null,
    project: null, accelerator: null, minMemGB: null, oneGroup: false, checkpoint: false, preemptGraceSeconds: 30, preemptions: 0,
    runs: runs.map((r, i) => ({
      id: `run_${i}`, jobId: 'job_1', taskId: 'task_1', attempt: i + 1, siteId: 'hami', agentId: null,
      status: 'succeeded', startedAt: '2024-05-01T01:00:00Z', endedAt: null, exitCode: null, usage: null, ...r,
    })),
  };
}

const states = (j: JobDetail) => jobTimeline(j).map((s) => `${s.id}:${s.state}`);

describe('jobTimeline', () => {
  it('marks a queued job as waiting at the first step', () => {
    expect(states(job('queued'))).toEqual(['submitted:current', 'planned:pending', 'running:pending', 'finished:pending']);
  });
  it('takes start and end times from the runs', () => {
    const steps = jobTimeline(
      job('succeeded', [
        { startedAt: '2024-05-01T02:00:00Z', endedAt: '2024-05-01T02:30:00Z', status: 'failed' },
        { startedAt: '2024-05-01T01:00:00Z', endedAt: '2024-05-01T01:30:00Z', status: 'failed' },
      ], 'hami'),
    );
    expect(steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(steps[2]?.at).toBe('2024-05-01T01:00:00Z');
    expect(steps[3]?.at).toBe('2024-05-01T02:30:00Z');
    expect(steps[3]?.status).toBe('succeeded');
  });
  it('shows planning and running as skipped for a job cancelled in the queue', () => {
    expect(states(job('cancelled'))).toEqual(['submitted:done', 'planned:skipped', 'running:skipped', 'finished:done']);
    expect(jobTimeline(job('cancelled'))[3]?.at).toBe('2024-05-01T03:00:00Z');
  });
  it('shows a running job at the running step', () => {
    expect(states(job('running', [{ status: 'running' }], 'hami'))).toEqual([
      'submitted:done', 'planned:done', 'running:current', 'finished:pending',
    ]);
  });
});
