import { Dispatcher, taskIdOf } from '@shuzhi/render';
import type { Clock, Dependency, FailurePolicy, JobLimits, JobRow, JobState, JobStatus, RenderJobPlan, RenderJobSpec, TaskInfo, TaskRow } from '@shuzhi/render';
import type { RenderJob } from '@shuzhi/schema';
import { fleetLeaseMs, longestFleetLeaseMs, type FleetLeasePolicy } from '../workers/fleet-lease.ts';
import { NodeCounts } from './node-counts.ts';

export type Usage = NonNullable<RenderJob['usage']>;

/** What the farm keeps of a job beside the dispatcher: its spec and plan, its files, its metering. */
export interface JobMeta {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly spec: RenderJobSpec;
  readonly plan: RenderJobPlan;
  readonly createdAt: Date;
  readonly createdBy: string;
  updatedAt: Date;
  /** Node time of finished attempts, and how much of it is already metered. */
  nodeMs: number;
  meteredMs: number;
  usage: Usage | null;
  readonly published: Set<number>;
  readonly thumbs: Set<number>;
  hasPreview: boolean;
  lastState: JobState;
  /**
   * Why billing admission holds the job back, or null once admitted. A held job is not in the
   * dispatcher: no node can be handed its tasks, however the dispatcher orders its queue.
   */
  waiting: string | null;
}

/** The jobs a job runs after, as the dispatcher takes them (the spec's `after`). */
export function dependenciesOf(m: Pick<JobMeta, 'spec'>): Dependency[] {
  return m.spec.after.map((d) => ({ upstream: d.job, mode: d.mode }));
}

export interface NodeState {
  readonly id: string;
  siteId: string;
  tags: string[];
  slots: number;
  lastSeen: number;
  persistedAt: number;
  inSync: number;
  left: boolean;
  readonly tasks: Set<string>;
  /**
   * The lease this node heartbeats on: the farm's lease when it was last answered, never shorter while
   * it holds tasks (they may carry a longer one). Silent for longer than this, it is offline.
   */
  leaseMs: number;
}

export type Cancel = { taskId: string; attempt: number; reason: string };

/**
 * The farm's in-memory model, shared by node sync, views, commands and metering. The dispatcher is
 * private: `engine` reads it, and only `rebuild` (the restore) replaces it, together with everything
 * else that was read from the database, so no part can hold a dispatcher of an older restore.
 */
export class FarmState {
  readonly jobs = new Map<string, JobMeta>();
  readonly nodes = new Map<string, NodeState>();
  readonly pendingCancels = new Map<string, Cancel[]>();
  readonly startedAt = new Map<string, number>();
  readonly progress = new Map<string, number>();
  /** Job id → the jobs that run after it, for the job views and the dependency graph. */
  readonly dependants = new Map<string, Set<string>>();
  /** Nodes by status, kept up to date by whoever changes a node (the overview reads them). */
  readonly nodeCounts = new NodeCounts(() => this.leaseMs);
  #dispatcher: Dispatcher;
  private readonly fleetLease: FleetLeasePolicy;

  constructor(
    readonly clock: Clock,
    policy: Partial<FailurePolicy> & { leaseMs: number },
    /** Where a node first seen in a persisted row is placed until it syncs. */
    private readonly defaultSiteId: string,
    /** SHUZHI_HEARTBEAT_BUDGET: past it the farm hands out longer leases (0: always `policy.leaseMs`). */
    heartbeatsPerSec = 0,
  ) {
    this.fleetLease = { floorMs: policy.leaseMs, heartbeatsPerSec };
    this.#dispatcher = new Dispatcher({ clock, policy: { ...policy, longestLeaseMs: longestFleetLeaseMs(this.fleetLease) } });
  }

  get engine(): Dispatcher {
    return this.#dispatcher;
  }

  /** The configured lease (SHUZHI_LEASE_MS): a small farm's, and the shortest any task gets. */
  get leaseMs(): number {
    return this.#dispatcher.policy.leaseMs;
  }

  /** The longest lease the farm may hand out: what a node first known from a persisted lease is given. */
  get longestLeaseMs(): number {
    return longestFleetLeaseMs(this.fleetLease);
  }

  /** The lease a task handed out now gets: longer as more nodes are live (workers/fleet-lease.ts). */
  leaseNow(): number {
    const c = this.nodeCounts.get();
    return fleetLeaseMs(c.idle + c.busy, this.fleetLease);
  }

  /** Starts over from rows read from the database (at start, and on a replica that becomes leader). */
  rebuild(
    metas: readonly JobMeta[],
    jobs: readonly ({ row: JobRow; plan: RenderJobPlan; dependsOn: readonly Dependency[] } & JobLimits)[],
    tasks: readonly TaskRow[],
    limits: readonly { name: string; capacity: number }[] = [],
  ): void {
    this.jobs.clear();
    this.dependants.clear();
    this.nodes.clear();
    this.nodeCounts.clear();
    this.pendingCancels.clear();
    this.startedAt.clear();
    this.progress.clear();
    for (const m of metas) this.addJob(m);
    this.#dispatcher = Dispatcher.restore({ clock: this.clock, policy: { ...this.#dispatcher.policy }, jobs, tasks, limits });
    for (const t of tasks) {
      if (t.state !== 'active' || !t.nodeId) continue;
      const n = this.nodeState(t.nodeId, null);
      n.tasks.add(`${t.jobId}.${t.index}`);
      this.nodeCounts.update(n);
    }
  }

  addJob(m: JobMeta): void {
    this.jobs.set(m.id, m);
    for (const d of m.spec.after) {
      let set = this.dependants.get(d.job);
      if (!set) this.dependants.set(d.job, (set = new Set()));
      set.add(m.id);
    }
  }

  nodeState(id: string, req: { siteId: string; tags: string[]; slots: number } | null): NodeState {
    let n = this.nodes.get(id);
    if (!n) {
      // Until its first answer names one, any lease the farm hands out may be the one it heartbeats on.
      n = { id, siteId: req?.siteId ?? this.defaultSiteId, tags: req?.tags ?? [], slots: req?.slots ?? 1, lastSeen: 0, persistedAt: 0, inSync: 0, left: true, tasks: new Set(), leaseMs: this.longestLeaseMs };
      this.nodes.set(id, n);
      this.nodeCounts.update(n);
    }
    return n;
  }

  forgetTask(node: NodeState, taskId: string): void {
    node.tasks.delete(taskId);
    this.nodeCounts.update(node);
    this.startedAt.delete(taskId);
    this.progress.delete(taskId);
  }

  /** A job's status: the dispatcher's, or, while admission holds it, every task queued. */
  jobStatus(m: JobMeta): JobStatus {
    if (m.waiting === null) return this.#dispatcher.jobStatus(m.id);
    const counts = { queued: m.plan.taskCount, active: 0, paused: 0, completed: 0, failed: 0, cancelled: 0 };
    return { id: m.id, state: 'queued', priority: m.spec.priority, taskCount: m.plan.taskCount, counts, failureMessage: null, blocklist: [], dependsOn: dependenciesOf(m), heldReason: null };
  }

  taskInfo(m: JobMeta, index: number): TaskInfo {
    if (m.waiting === null) return this.#dispatcher.taskInfo(m.id, index);
    return { taskId: taskIdOf(m.id, index), kind: m.plan.taskKind(index), state: 'queued', attempt: 0, nodeId: null, leaseExpiresAt: null, failedOn: [] };
  }

  busyNodes(): number {
    let n = 0;
    for (const node of this.nodes.values()) if (node.tasks.size) n++;
    return n;
  }
}
