import type { JobRec, LeaseRec } from './records.ts';

/**
 * Named limits (as Deadline's and OpenCue's limits): a licence count, a tenant's cap on running
 * tasks, a job's cap on the node slots it holds. Every task of a job that names a limit holds one
 * unit of it while its lease is open, so a unit comes back whenever a lease ends — completion,
 * failure, expiry, cancellation, a node leaving — because all of those end the lease in the lease
 * table, which calls `release`.
 *
 * Counting is in memory: the dispatcher is the only one handing out leases (one leader; a replica's
 * batch is fenced), so the count is exact without a database round-trip per ask. The database keeps
 * the definitions; the holders are the open leases, rebuilt from the task rows on restart.
 */
export interface LimitRec {
  readonly name: string;
  /** Units that may be held at once; Infinity while nobody has defined the limit. */
  capacity: number;
  held: number;
  /** Units held per job, for the farm page's "who holds it". */
  readonly holders: Map<string, number>;
  /** Jobs that found the limit full; they are put back in the queue when a unit comes back. */
  readonly waiting: Set<JobRec>;
}

export interface LimitUse {
  readonly name: string;
  readonly capacity: number | null;
  readonly held: number;
  readonly holders: readonly { readonly jobId: string; readonly held: number }[];
}

export function newLimit(name: string, capacity = Infinity): LimitRec {
  return { name, capacity, held: 0, holders: new Map(), waiting: new Set() };
}

/** Whether the job may take one more task now; a full limit remembers the job to wake it later. */
export function limitsAdmit(job: JobRec): boolean {
  for (const l of job.limits) {
    if (l.held >= l.capacity) {
      l.waiting.add(job);
      return false;
    }
  }
  return true;
}

export function acquireLimits(lease: LeaseRec): void {
  const job = lease.job;
  for (const l of job.limits) {
    l.held++;
    l.holders.set(job.id, (l.holders.get(job.id) ?? 0) + 1);
  }
}

/** Gives the lease's units back; the jobs that waited on a limit that now has room are returned. */
export function releaseLimits(lease: LeaseRec): JobRec[] {
  const job = lease.job;
  let freed: JobRec[] | null = null;
  for (const l of job.limits) {
    l.held--;
    const n = (l.holders.get(job.id) ?? 1) - 1;
    if (n > 0) l.holders.set(job.id, n);
    else l.holders.delete(job.id);
    if (l.held < l.capacity && l.waiting.size) (freed ??= []).push(...takeWaiting(l));
  }
  return freed ?? [];
}

/** The jobs waiting on the limit, now that it has room (all of them: each is checked again when picked). */
export function takeWaiting(l: LimitRec): JobRec[] {
  const out = [...l.waiting];
  l.waiting.clear();
  return out;
}

export function limitUse(l: LimitRec): LimitUse {
  return {
    name: l.name,
    capacity: Number.isFinite(l.capacity) ? l.capacity : null,
    held: l.held,
    holders: [...l.holders].map(([jobId, held]) => ({ jobId, held })).sort((a, b) => b.held - a.held || a.jobId.localeCompare(b.jobId)),
  };
}

/** The named limits of one dispatcher; a name is known from its first use or definition. */
export class LimitBook {
  private readonly byName = new Map<string, LimitRec>();

  of(name: string): LimitRec {
    let l = this.byName.get(name);
    if (!l) this.byName.set(name, (l = newLimit(name)));
    return l;
  }

  /** Sets a limit's capacity (Infinity: no limit); returns the jobs to put back in the queue if it grew. */
  define(name: string, capacity: number): JobRec[] {
    if (!(capacity === Infinity || (Number.isInteger(capacity) && capacity >= 0))) throw new RangeError(`limit ${name}: capacity must be a whole number ≥ 0`);
    const l = this.of(name);
    l.capacity = capacity;
    return l.held < capacity ? takeWaiting(l) : [];
  }

  /** Limits with a capacity or a holder, by name. */
  list(): LimitUse[] {
    return [...this.byName.values()].filter((l) => Number.isFinite(l.capacity) || l.held > 0).sort((a, b) => a.name.localeCompare(b.name)).map(limitUse);
  }
}
