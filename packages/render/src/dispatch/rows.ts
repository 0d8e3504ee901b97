import { taskStateFromCode } from '../states.ts';
import { QUEUED } from './records.ts';
import type { JobRec } from './records.ts';
import type { DispatcherRows, JobRow, TaskRow } from './types.ts';

/** A job as the row the caller persists. */
export function jobRow(job: JobRec): JobRow {
  return {
    id: job.id,
    seq: job.seq,
    priority: job.priority,
    tags: job.tags,
    state: job.state,
    failureMessage: job.failureMessage,
    blocklist: [...job.blocklist].map(([nodeId, until]) => ({ nodeId, until })),
    nodeFailures: [...job.nodeFailures].map(([nodeId, count]) => ({ nodeId, count })),
  };
}

/** A task as the row the caller persists. */
export function taskRow(job: JobRec, index: number): TaskRow {
  const lease = job.active.get(index);
  return {
    jobId: job.id,
    index,
    state: taskStateFromCode(job.states[index]!),
    attempt: job.attempts[index]!,
    nodeId: lease?.node.id ?? null,
    leaseExpiresAt: lease?.expiresAt ?? null,
    failedOn: [...(job.failedOn.get(index) ?? [])],
  };
}

/**
 * Every job row and every task row that differs from a fresh task (queued, attempt 0, no failures).
 * Fresh tasks need no row, so a million-frame job that has not started persists as one row.
 */
export function snapshotRows(jobs: Iterable<JobRec>): DispatcherRows {
  const jobRows: JobRow[] = [];
  const tasks: TaskRow[] = [];
  for (const job of jobs) {
    jobRows.push(jobRow(job));
    for (let i = 0; i < job.plan.taskCount; i++) {
      if (job.states[i] !== QUEUED || job.attempts[i] !== 0 || job.failedOn.has(i)) tasks.push(taskRow(job, i));
    }
  }
  return { jobs: jobRows, tasks };
}
