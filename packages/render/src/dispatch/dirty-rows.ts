import type { JobRec } from './records.ts';
import { jobRow, taskRow } from './rows.ts';
import type { DispatcherRows, TaskRow } from './types.ts';

/** Jobs and tasks changed since the caller last persisted, drained as rows for one batched transaction. */
export class DirtyRows {
  private jobs = new Set<JobRec>();
  private tasks = new Map<JobRec, Set<number>>();
  private taskCount = 0;

  /** Rows waiting for the next drain (one per job or task, however often it changed). */
  get size(): number {
    return this.jobs.size + this.taskCount;
  }

  job(job: JobRec): void {
    this.jobs.add(job);
  }

  task(job: JobRec, index: number): void {
    let set = this.tasks.get(job);
    if (!set) this.tasks.set(job, (set = new Set()));
    if (!set.has(index)) {
      set.add(index);
      this.taskCount++;
    }
  }

  drain(): DispatcherRows {
    const jobs = [...this.jobs].map(jobRow);
    const tasks: TaskRow[] = [];
    for (const [job, set] of this.tasks) for (const i of set) tasks.push(taskRow(job, i));
    this.jobs = new Set();
    this.tasks = new Map();
    this.taskCount = 0;
    return { jobs, tasks };
  }
}
