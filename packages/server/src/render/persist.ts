import { sql } from 'drizzle-orm';
import type { DispatcherRows, JobRow, TaskRow } from '@shuzhi/render';
import { storableText } from '@shuzhi/schema';
import type { Db, Tx } from '../db/client.ts';
import { nextTurn, slices, statementPacing, type StatementPacing } from '../db/slices.ts';
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

/** One thing the writer stores: the unit a failed batch is split into. */
type Unit =
  | { kind: 'job'; row: JobRow; tries?: number }
  | { kind: 'task'; row: TaskRow; tries?: number }
  | { kind: 'log'; row: LogRow; tries?: number }
  | { kind: 'frame'; row: FrameRow; tries?: number }
  | { kind: 'node'; row: NodeRow; tries?: number }
  | { kind: 'event'; e: EventInput; tries?: number }
  | { kind: 'hook'; h: TxHook; tries?: number };

/** A row whose write failed for a reason other than its data is tried in this many flushes, then dropped. */
const MAX_UNIT_TRIES = 3;
/** The longest pause between retries while the database is unreachable. */
const MAX_BACKOFF_MS = 5_000;
/**
 * Rows one set-based statement carries at most; a bigger batch is several statements in the same
 * transaction. PGlite's WebAssembly memory grows to fit the largest statement (its JSON parameter,
 * the parsed jsonb, the rows) and never shrinks: one 100,000-row upsert grew it by 200 MB, while
 * 2,000-row statements stay inside its initial memory. Also keeps the JSON string on our heap small.
 */
export const ROWS_PER_STATEMENT = 2_000;

/**
 * How much unwritten work the writer lets pile up while the database is behind (slow, or down).
 * `backlogRows`: rows waiting (the dispatcher's changed jobs and tasks, one per task however often it
 * changed, plus logs, frames, nodes, events and the batch under way); above it the farm hands out no
 * new tasks (see admitsWork) until a flush brings it back under — heartbeats and completions are
 * still taken. `logRows`: renderer output lines waiting; past it new lines are dropped and counted
 * (a restart needs none of them), so a chatty farm cannot fill the heap while the database is away.
 */
export interface WriterBounds {
  backlogRows: number;
  logRows: number;
}
export const WRITER_BOUNDS: WriterBounds = { backlogRows: 50_000, logRows: 100_000 };

/** The SQLSTATE of a database error, looked up through wrappers (drizzle's DrizzleQueryError keeps it in `cause`). */
export function sqlState(err: unknown): string | null {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

/**
 * What a failed write says about its rows: `row` — this data can never be stored (data exception,
 * constraint violation, a limit: SQLSTATE classes 22, 23, 54); `outage` — the database is not
 * answering (connection, shutdown, resources, serialization: retry everything later); `unknown` otherwise.
 */
export function classifyWriteError(err: unknown): 'row' | 'outage' | 'unknown' {
  const state = sqlState(err);
  if (state) {
    const cls = state.slice(0, 2);
    if (cls === '22' || cls === '23' || cls === '54') return 'row';
    if (cls === '08' || cls === '57' || cls === '53' || cls === '40') return 'outage';
    return 'unknown';
  }
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)/.test(code)) return 'outage';
  }
  return 'unknown';
}

/**
 * The cause of a failed write, fit for the log: the database's code and message, never the query's
 * parameters (drizzle's own message repeats them, and they hold log text, env values, …).
 */
export function safeCause(err: unknown): { code: string | null; message: string } {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object' && (e as { cause?: unknown }).cause; depth++) e = (e as { cause: unknown }).cause;
  const message = e instanceof Error ? e.message : String(e);
  return { code: sqlState(err), message: message.split('\n')[0]!.slice(0, 300) };
}

function unitKey(u: Unit): string {
  switch (u.kind) {
    case 'job':
      return `job ${u.row.id}`;
    case 'task':
      return `task ${u.row.jobId}.${u.row.index}`;
    case 'log':
      return `log of ${u.row.jobId}.${u.row.idx} attempt ${u.row.attempt} (${u.row.stream}, ${u.row.text.length} characters)`;
    case 'frame':
      return `frame ${u.row.jobId}#${u.row.frame}`;
    case 'node':
      return `node ${u.row.id}`;
    case 'event':
      return `event ${u.e.kind} of ${u.e.entity} ${u.e.entityId}`;
    case 'hook':
      return 'post-write hook';
  }
}

/**
 * The database as the durable log of the in-memory dispatcher: changes are collected and written
 * every `intervalMs` in one transaction with set-based statements (jsonb_to_recordset), so the write
 * cost does not grow with the number of polls. Events recorded in that transaction are published
 * after it commits.
 *
 * One bad row must not stop the farm's writes: a batch that fails for its data is split in halves
 * and written again, down to single rows, once; a row the database refuses is dropped, logged once
 * with its cause and counted (`stats.droppedRows`). While the database is unreachable, everything is
 * kept and retried with a growing pause.
 */
export class BatchWriter {
  private logs: LogRow[] = [];
  private frames = new Map<string, FrameRow>();
  private nodes = new Map<string, NodeRow>();
  private events: EventInput[] = [];
  private hooks: TxHook[] = [];
  /** Side units of a failed flush that were not dropped (their order kept), written first next time. */
  private retry: Unit[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failStreak = 0;
  /** Log rows among `retry` (they count against the log bound). */
  private retryLogs = 0;
  /** Units of the flush under way (they count against the backlog bound until written). */
  private inFlight = 0;
  /** Someone was refused work (admitsWork) since the backlog last fell under its bound. */
  private holding = false;
  /** Called once the backlog is back under its bound after admitsWork refused work (the farm wakes the polls it held). */
  onCaughtUp: (() => void) | null = null;
  /** Statements of the transaction under way so far (the first runs at once, the others each after a loop turn). */
  private statementsInWrite = 0;
  /** Statement size and whether a loop turn separates statements: the embedded database's by default (slices.ts). */
  pacing: StatementPacing = statementPacing('pglite', ROWS_PER_STATEMENT);
  /** Rows written so far, for the bench and tests; rows dropped as unstorable, by kind. */
  /** With several replicas: refuses the batch unless this server still leads (see RunHost.fence). */
  fence: ((tx: Tx) => Promise<void>) | null = null;
  stats = { batches: 0, taskRows: 0, jobRows: 0, maxBatchMs: 0, droppedRows: 0, dropped: {} as Record<string, number>, statements: 0, maxStatementRows: 0, droppedLogRows: 0, maxBacklogRows: 0, heldWork: 0 };

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly drain: () => DispatcherRows,
    private readonly intervalMs = 75,
    /** Rows the dispatcher holds for the next drain (its part of the backlog). */
    private readonly pending: () => number = () => 0,
    /** Mutable for tests that hold the farm as if the database were behind. */
    public bounds: WriterBounds = WRITER_BOUNDS,
  ) {}

  /** Rows waiting to be written, the batch under way included. */
  backlog(): number {
    const failed = this.failedRows ? this.failedRows.jobs.length + this.failedRows.tasks.length : 0;
    return this.pending() + failed + this.inFlight + this.retry.length + this.logs.length + this.frames.size + this.nodes.size + this.events.length + this.hooks.length;
  }

  /**
   * Whether new work may be handed out now: not while the backlog is over its bound, so a database
   * that falls behind slows the dispatcher down instead of the backlog growing without end.
   */
  admitsWork(): boolean {
    const n = this.backlog();
    if (n > this.stats.maxBacklogRows) this.stats.maxBacklogRows = n;
    if (n <= this.bounds.backlogRows) return true;
    this.holding = true;
    this.stats.heldWork++;
    return false;
  }

  start(): void {
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        void this.flush()
          .then(
            () => {
              if (this.failStreak) this.log.info({ failures: this.failStreak }, 'render: batch writes work again');
              this.failStreak = 0;
            },
            (err: unknown) => {
              this.failStreak++;
              // Logged when a streak starts and then now and then, not ten times a second.
              if (this.failStreak === 1 || this.failStreak % 100 === 0) {
                this.log.error({ cause: safeCause(err), failures: this.failStreak }, 'render: batch write failed; the rows are kept and retried');
              }
            },
          )
          .finally(() => {
            if (this.timer) tick(this.failStreak ? Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** Math.min(this.failStreak, 10)) : this.intervalMs);
          });
      }, delay);
      this.timer.unref();
    };
    tick(this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  addLog(row: LogRow): void {
    if (!row.text.length) return;
    if (this.logs.length + this.retryLogs >= this.bounds.logRows) {
      // Logged when the first line of a streak is dropped, not per line.
      if (this.stats.droppedLogRows++ === 0 || this.stats.droppedLogRows % 10_000 === 0) {
        this.log.warn({ dropped: this.stats.droppedLogRows, bound: this.bounds.logRows }, 'render: log lines dropped: the database is behind and the log backlog is full');
      }
      return;
    }
    // Renderer output is data, not input: never refused, made storable.
    this.logs.push({ ...row, text: storableText(row.text) });
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
      this.afterFlush();
    });
    return this.flushing;
  }

  /** Tells the farm when work it held back may go out again. */
  private afterFlush(): void {
    if (!this.holding || this.backlog() > this.bounds.backlogRows) return;
    this.holding = false;
    this.onCaughtUp?.();
  }

  /** Dispatcher rows of a failed batch, written again with the next one. */
  failedRows: DispatcherRows | null = null;

  private async flushOnce(): Promise<void> {
    const rows = mergeRows(this.failedRows, this.drain());
    this.failedRows = null;
    const units: Unit[] = [
      ...rows.jobs.map((row): Unit => ({ kind: 'job', row })),
      ...rows.tasks.map((row): Unit => ({ kind: 'task', row })),
      ...this.retry,
      ...this.logs.map((row): Unit => ({ kind: 'log', row })),
      ...[...this.frames.values()].map((row): Unit => ({ kind: 'frame', row })),
      ...[...this.nodes.values()].map((row): Unit => ({ kind: 'node', row })),
      ...this.events.map((e): Unit => ({ kind: 'event', e })),
      ...this.hooks.map((h): Unit => ({ kind: 'hook', h })),
    ];
    this.retry = [];
    this.retryLogs = 0;
    this.logs = [];
    this.frames = new Map();
    this.nodes = new Map();
    this.events = [];
    this.hooks = [];
    if (!units.length) return;
    const t0 = performance.now();
    this.inFlight = units.length;
    try {
      await this.writeAndPublish(units);
    } catch (err) {
      if (classifyWriteError(err) === 'outage') {
        this.putBack(units);
        throw err;
      }
      // Something in the batch cannot be stored: find it, store the rest.
      const back = await this.isolate(units, err);
      if (back.length) {
        this.putBack(back);
        throw err;
      }
      return;
    } finally {
      this.inFlight = 0;
    }
    const ms = performance.now() - t0;
    this.stats.batches++;
    this.stats.jobRows += rows.jobs.length;
    this.stats.taskRows += rows.tasks.length;
    this.stats.maxBatchMs = Math.max(this.stats.maxBatchMs, ms);
  }

  /**
   * Writes the halves of a failed batch on their own, down to single rows. Returns the units to keep
   * for a later flush (the database stopped answering meanwhile, or a row failed for an unknown reason
   * fewer than MAX_UNIT_TRIES times); rows the database refuses for their data are dropped.
   */
  private async isolate(units: Unit[], cause: unknown): Promise<Unit[]> {
    if (units.length === 1) {
      const u = units[0]!;
      const kind = classifyWriteError(cause);
      if (kind === 'outage') return units;
      const tries = (u.tries ?? 0) + 1;
      if (kind === 'unknown' && tries < MAX_UNIT_TRIES) return [{ ...u, tries }];
      this.dropUnit(u, cause);
      return [];
    }
    const mid = units.length >> 1;
    const back: Unit[] = [];
    for (const half of [units.slice(0, mid), units.slice(mid)]) {
      try {
        await this.writeAndPublish(half);
      } catch (err) {
        back.push(...(classifyWriteError(err) === 'outage' ? half : await this.isolate(half, err)));
      }
    }
    return back;
  }

  private dropUnit(u: Unit, cause: unknown): void {
    this.stats.droppedRows++;
    this.stats.dropped[u.kind] = (this.stats.dropped[u.kind] ?? 0) + 1;
    this.log.error(
      { row: unitKey(u), kind: u.kind, cause: safeCause(cause), dropped: this.stats.droppedRows },
      'render: a row the database refuses was dropped (it is not retried)',
    );
  }

  private putBack(units: readonly Unit[]): void {
    const jobs: JobRow[] = [];
    const tasks: TaskRow[] = [];
    const side: Unit[] = [];
    for (const u of units) {
      if (u.kind === 'job') jobs.push(u.row);
      else if (u.kind === 'task') tasks.push(u.row);
      else side.push(u);
    }
    // Dispatcher rows are merged with the next snapshot (newer rows win); the rest keep their order.
    if (jobs.length || tasks.length) this.failedRows = mergeRows({ jobs, tasks }, this.failedRows ?? { jobs: [], tasks: [] });
    this.retry = side.concat(this.retry);
    this.retryLogs = 0;
    for (const u of this.retry) if (u.kind === 'log') this.retryLogs++;
  }

  private async writeAndPublish(units: readonly Unit[]): Promise<void> {
    const published: PublishedEvent[] = [];
    await this.db.transaction(async (tx) => {
      await this.fence?.(tx);
      await this.write(tx, units, published);
    });
    this.bus.publish(published);
  }

  private async write(tx: Tx, units: readonly Unit[], published: PublishedEvent[]): Promise<void> {
    this.statementsInWrite = 0;
    const of = <K extends Unit['kind']>(k: K) => units.filter((u): u is Extract<Unit, { kind: K }> => u.kind === k);
    const jobs = of('job').map((u) => u.row);
    const tasks = of('task').map((u) => u.row);
    const logs = of('log').map((u) => u.row);
    const frames = of('frame').map((u) => u.row);
    const nodes = of('node').map((u) => u.row);
    for (const slice of slices(jobs, this.pacing.rowsPerStatement)) {
      const data = (await this.counted(slice)).map((j) => ({
        id: j.id,
        seq: j.seq,
        state: j.state,
        failure_message: j.failureMessage === null ? null : storableText(j.failureMessage),
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
    for (const slice of slices(tasks, this.pacing.rowsPerStatement)) {
      const data = (await this.counted(slice)).map((t) => ({
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
    for (const slice of slices(logs, this.pacing.rowsPerStatement)) {
      const data = (await this.counted(slice)).map((l) => ({ job_id: l.jobId, idx: l.idx, attempt: l.attempt, node_id: l.nodeId, stream: l.stream, text: l.text }));
      await tx.execute(sql`
        insert into render_task_logs (job_id, idx, attempt, node_id, stream, text)
        select x.job_id, x.idx, x.attempt, x.node_id, x.stream, x.text
        from jsonb_to_recordset(${JSON.stringify(data)}::jsonb)
          as x(job_id text, idx int, attempt int, node_id text, stream text, text text)`);
    }
    for (const slice of slices(frames, this.pacing.rowsPerStatement)) {
      const data = (await this.counted(slice)).map((f) => ({ job_id: f.jobId, frame: f.frame, node_id: f.nodeId, attempt: f.attempt, bytes: f.bytes, has_thumb: f.hasThumb ? 1 : 0 }));
      await tx.execute(sql`
        insert into render_frames (job_id, frame, node_id, attempt, bytes, has_thumb)
        select x.job_id, x.frame, x.node_id, x.attempt, x.bytes, x.has_thumb
        from jsonb_to_recordset(${JSON.stringify(data)}::jsonb)
          as x(job_id text, frame int, node_id text, attempt int, bytes int, has_thumb int)
        on conflict (job_id, frame) do update set has_thumb = greatest(render_frames.has_thumb, excluded.has_thumb),
          bytes = case when render_frames.bytes = 0 then excluded.bytes else render_frames.bytes end`);
    }
    for (const slice of slices(nodes, this.pacing.rowsPerStatement)) {
      const data = (await this.counted(slice)).map((n) => ({ id: n.id, site_id: n.siteId, tags: n.tags, slots: n.slots, last_seen_ms: n.lastSeenMs }));
      await tx.execute(sql`
        insert into render_nodes (id, site_id, tags, slots, last_seen_at)
        select x.id, x.site_id, x.tags, x.slots, to_timestamp(x.last_seen_ms / 1000.0)
        from jsonb_to_recordset(${JSON.stringify(data)}::jsonb)
          as x(id text, site_id text, tags jsonb, slots int, last_seen_ms bigint)
        on conflict (id) do update set site_id = excluded.site_id, tags = excluded.tags, slots = excluded.slots,
          last_seen_at = excluded.last_seen_at`);
    }
    for (const u of of('event')) await this.bus.record(tx, published, u.e);
    for (const u of of('hook')) await u.h(tx, published);
  }

  /**
   * The rows of one statement, counted for the stats (the bench and tests read the largest), after a
   * turn of the event loop when a statement of this transaction ran before it (on the embedded database).
   */
  private async counted<T>(rows: readonly T[]): Promise<readonly T[]> {
    if (this.statementsInWrite++ > 0 && this.pacing.turnBetween) await nextTurn();
    this.stats.statements++;
    this.stats.maxStatementRows = Math.max(this.stats.maxStatementRows, rows.length);
    return rows;
  }
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
