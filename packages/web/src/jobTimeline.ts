import type { JobDetail, JobStatus } from '@shuzhi/schema';

export type StepState = 'done' | 'current' | 'pending' | 'skipped';
export type StepId = 'submitted' | 'planned' | 'running' | 'finished';

export interface TimelineStep {
  id: StepId;
  state: StepState;
  at: string | null;
  /** For the last step: which final status it ended in. */
  status?: JobStatus;
}

export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];

export function isFinal(s: JobStatus): boolean {
  return (FINAL_STATUSES as readonly JobStatus[]).includes(s);
}

const reached = {
  queued: 0,
  planned: 1,
  running: 2,
  succeeded: 3,
  failed: 3,
  cancelled: 3,
} as const satisfies Record<JobStatus, number>;

/**
 * The job's way through queued → planned → running → final, built from the job and its runs
 * (the API has no per-status history): a step the job jumped over, like a cancel while queued, is `skipped`.
 */
export function jobTimeline(job: JobDetail): TimelineStep[] {
  const level = reached[job.status];
  const runs = [...job.runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const firstStart = runs[0]?.startedAt ?? null;
  const lastEnd = runs.length ? (runs[runs.length - 1]?.endedAt ?? null) : null;
  const final = isFinal(job.status);
  const ran = runs.length > 0;
  const wasPlanned = job.siteId !== null || ran || (level >= 1 && !final);

  const state = (stepLevel: number, happened: boolean): StepState => {
    if (level > stepLevel) return happened ? 'done' : 'skipped';
    if (level === stepLevel) return final ? 'done' : 'current';
    return 'pending';
  };

  return [
    { id: 'submitted', state: level === 0 ? 'current' : 'done', at: job.createdAt },
    { id: 'planned', state: state(1, wasPlanned), at: null },
    { id: 'running', state: state(2, ran), at: firstStart },
    {
      id: 'finished',
      state: final ? 'done' : 'pending',
      at: final ? (lastEnd ?? job.updatedAt) : null,
      ...(final ? { status: job.status } : {}),
    },
  ];
}
