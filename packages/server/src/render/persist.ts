import { sql } from 'drizzle-orm';
import type { DispatcherRows } from '@shuzhi/render';
import type { Db, Tx } from '../db/client.ts';
import type { EventBus, EventInput, PublishedEvent } from '../events/bus.ts';
import type { Logger } from '../log.ts';

export interface LogRow {
  jobId: string;
  idx: number;
  attempt: number;
  nodeId: string | null;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

export interface FrameRow {
  jobId: string;
  frame: number;
  nodeId: string | null;
  attempt: number | null;
  bytes: number;
  hasThumb: boolean;
}

export interface NodeRow {
  id: string;
  siteId: string;
  tags: string[];
  slots: number;
  lastSeenMs: number;
}

/** Work to do inside the batch transaction after the rows are written (events, metering). */
export type TxHook = (tx: Tx, events: PublishedEvent[]) => Promise<void>;

/**
 * The database as the durable log of the in-memory dispatcher: changes are collected and written
 * every `intervalMs` in one transaction with set-based statements (jsonb_to_recordset), so the write
 * cost does not grow with the number of polls. Events recorded in that transaction are published
 * after it commits.
 */
export class BatchWriter {
  private logs: LogRow[] = [];
  private frames = new Map<string, FrameRow>();
  private nodes = new Map<string, NodeRow>();
  private events: EventInput[] = [];
  private hooks: TxHook[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Rows written so far, for the bench and tests. */
  stats = { batches: 0, taskRows: 0, jobRows: 0, maxBatchMs: 0 };

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly drain: () => DispatcherRows,
    private readonly intervalMs = 75,
  ) {}

  start(): void {
    const tick = () => {
      this.timer = setTimeout(() => {
        void this.flush()
          .catch((err) => this.log.error({ err }, 'render: batch write failed; retrying next tick'))
          .finally(() => {
            if (this.timer) tick();
          });
      }, this.intervalMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  addLog(row: LogRow): void {
    if (row.text.length) this.logs.push(row);
  }
  addFrame(row: FrameRow): void {
    const key = `${row.jobId}:${row.frame}`;
    const prev = this.frames.get(key);
    this.frames.set(key, prev ? { ...prev, hasThumb: prev.hasThumb || row.hasThumb, bytes: prev.bytes || row.bytes } : row);
  }
  addNode(row: NodeRow): void {
    this.nodes.set(row.id, row);
  }
  addEvent(e: EventInput): void {
    this.events.push(e);
  }
  addHook(h: TxHook): void {
    this.hooks.push(h);
  }

  /** Writes everything pending now; concurrent callers share one flush. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const rows = mergeRows(this.failedRows, this.drain());
    this.failedRows = null;
    const logs = this.logs;
    const frames = [...this.frames.values()];
    const nodes = [...this.nodes.values()];
    const events = this.events;
    const hooks = this.hooks;
    if (!rows.jobs.length && !rows.tasks.length && !logs.length && !frames.length && !nodes.length && !events.length && !hooks.length) return;
    this.logs = [];
    this.frames = new Map();
    this.nodes = new Map();
    this.events = [];
    this.hooks = [];
    const t0 = performance.now();
    const published: PublishedEvent[] = [];
    try {
      await this.db.transaction(async (tx) => {
        if (rows.jobs.length) {
          const data = rows.jobs.map((j) => ({
            id: j.id,
            seq: j.seq,
            state: j.state,
            failure_message: j.failureMessage,
            blocklist: j.blocklist,
            node_failures: j.nodeFailures,
          }));
          await tx.execute(sql`
            update render_jobs as r set seq = x.seq, state = x.state, failure_message = x.failure_message,
              blocklist = x.blocklist, node_failures = x.node_failures, updated_at = now()
            from jsonb_to_recordset(${JSON.stringify(data)}::jsonb)
              as x(id text, seq int, state text, failure_message text, blocklist jsonb, node_failures jsonb)
            where r.id = x.id`);
        }
        if (rows.tasks.length) {
          const data = rows.tasks.map((t) => ({
            job_id: t.jobId,
            idx: t.index,
            state: t.state,
            attempt: t.attempt,
            node_id: t.nodeId,
            lease_expires_at: t.leaseExpiresAt,
            failed_on: t.failedOn,
          }));
          await tx.execute(sql`
            insert into render_tasks (job_id, idx, state, attempt, node_id, lease_expires_at, failed_on, updated_at)
            select x.job_id, x.idx, x.state, x.attempt, x.node_id, x.lease_expires_at, x.failed_on, now()
            from jsonb_to_recordset(${JSON.stringify(data)}::jsonb)
              as x(job_id text, idx int, state text, attempt int, node_id text, lease_expires_at bigint, failed_on jsonb)
            on conflict (job_id, idx) do update set state = excluded.state, attempt = excluded.attempt,
              node_id = excluded.node_id, lease_expires_at = excluded.lease_expires_at, failed_on = excluded.failed_on,
              updated_at = now()`);
        }
        if (logs.length) {
          const data = logs.map((l) => ({ job_id: l.jobId, idx: l.idx, attempt: l.attempt, node_id: l.nodeId, stream: l.stream, text: l.text }));
          await tx.execute(sql`
            insert into render_task_logs (job_id, idx, attempt, node_id, stream, text)
            select x.job_id, x.idx, x.attempt, x.node_id, x.stream, x.text
            from jsonb_to_recordset(${JSON.stringify(data)}::jsonb)
              as x(job_id text, idx int, attempt int, node_id text, stream text, text text)`);
        }
        if (frames.length) {
          const data = frames.map((f) => ({ job_id: f.jobId, frame: f.frame, node_id: f.nodeId, attempt: f.attempt, bytes: f.bytes, has_thumb: f.hasThumb ? 1 : 0 }));
          await tx.execute(sql`
            insert into render_frames (job_id, frame, node_id, attempt, bytes, has_thumb)
            select x.job_id, x.frame, x.node_id, x.attempt, x.bytes, x.has_thumb
            from jsonb_to_recordset(${JSON.stringify(data)}::jsonb)
              as x(job_id text, frame int, node_id text, attempt int, bytes int, has_thumb int)
            on conflict (job_id, frame) do update set has_thumb = greatest(render_frames.has_thumb, excluded.has_thumb),
              bytes = case when render_frames.bytes = 0 then excluded.bytes else render_frames.bytes end`);
        }
        if (nodes.length) {
          const data = nodes.map((n) => ({ id: n.id, site_id: n.siteId, tags: n.tags, slots: n.slots, last_seen_ms: n.lastSeenMs }));
          await tx.execute(sql`
            insert into render_nodes (id, site_id, tags, slots, last_seen_at)
            select x.id, x.site_id, x.tags, x.slots, to_timestamp(x.last_seen_ms / 1000.0)
            from jsonb_to_recordset(${JSON.stringify(data)}::jsonb)
              as x(id text, site_id text, tags jsonb, slots int, last_seen_ms bigint)
            on conflict (id) do update set site_id = excluded.site_id, tags = excluded.tags, slots = excluded.slots,
              last_seen_at = excluded.last_seen_at`);
        }
        for (const e of events) await this.bus.record(tx, published, e);
        for (const h of hooks) await h(tx, published);
      });
    } catch (err) {
      // Put the side rows back; dispatcher rows are re-taken from a full snapshot by the caller.
      this.logs = logs.concat(this.logs);
      for (const f of frames) if (!this.frames.has(`${f.jobId}:${f.frame}`)) this.frames.set(`${f.jobId}:${f.frame}`, f);
      for (const n of nodes) if (!this.nodes.has(n.id)) this.nodes.set(n.id, n);
      this.events = events.concat(this.events);
      this.hooks = hooks.concat(this.hooks);
      this.failedRows = rows;
      throw err;
    }
    this.bus.publish(published);
    const ms = performance.now() - t0;
    this.stats.batches++;
    this.stats.jobRows += rows.jobs.length;
    this.stats.taskRows += rows.tasks.length;
    this.stats.maxBatchMs = Math.max(this.stats.maxBatchMs, ms);
  }

  /** Dispatcher rows of a failed batch, written again with the next one. */
  failedRows: DispatcherRows | null = null;
}

function mergeRows(a: DispatcherRows | null, b: DispatcherRows): DispatcherRows {
  if (!a) return b;
  // Later rows win: they carry the newer state of the same job or task.
  const jobs = new Map(a.jobs.map((j) => [j.id, j]));
  for (const j of b.jobs) jobs.set(j.id, j);
  const tasks = new Map(a.tasks.map((t) => [`${t.jobId}.${t.index}`, t]));
  for (const t of b.tasks) tasks.set(`${t.jobId}.${t.index}`, t);
  return { jobs: [...jobs.values()], tasks: [...tasks.values()] };
}
