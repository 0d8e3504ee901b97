import { and, desc, eq, gte, inArray, isNull, or, sql } from 'drizzle-orm';
import type { WorkerCredential, WorkerInfo } from '@shuzhi/schema';
import { WORKER_CREDENTIAL_PREFIX, workerIdOfCredential } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import { sha256 } from '../auth/passwords.ts';
import type { NetworkStore } from '../compute/network-store.ts';
import type { Db, Tx } from '../db/client.ts';
import { nextTurn, slices, statementPacing } from '../db/slices.ts';
import { AppError, errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId, newSecret } from '../ids.ts';
import { workers } from './db-schema.ts';

/** Who is calling on the worker protocol: bound to one worker id and one site, nothing else. */
export interface WorkerIdentity {
  workerId: string;
  name: string;
  siteId: string;
  /** The tenant owning the worker's site, or null for the platform's own workers. */
  ownerTenantId: string | null;
}

type Row = typeof workers.$inferSelect;

const toInfo = (r: Row): WorkerInfo => ({
  id: r.id,
  name: r.name,
  siteId: r.siteId,
  ownerTenantId: r.ownerTenantId,
  enrolledBy: r.enrolledBy,
  enrolledAt: r.enrolledAt.toISOString(),
  rotatedAt: r.rotatedAt?.toISOString() ?? null,
  revokedAt: r.revokedAt?.toISOString() ?? null,
  lastSeenAt: r.lastSeenAt?.toISOString() ?? null,
});

/**
 * A credential is checked against the database once; after that, every RECHECK_MS the registry asks the
 * database which workers were revoked or rotated since its last look (by any replica) and drops those.
 * A revoked credential is so refused everywhere within about RECHECK_MS, and a heartbeat costs no query.
 */
const RECHECK_MS = 10_000;
/** The part of RECHECK_MS after which the next look begins, without anyone waiting for it until RECHECK_MS. */
const RECHECK_AHEAD = 0.8;
/** How far before the last look changes are asked for: replicas' clocks differ, and a slow transaction commits late. */
const CHANGE_MARGIN_MS = 60_000;
/**
 * Workers per last-seen statement on the embedded database, where a statement runs on the event loop:
 * 20,000 rows at once held every request for most of a second (measured ≈ 0.6–0.9 s of CPU).
 * PostgreSQL takes larger ones (slices.ts statementPacing).
 */
const SEEN_CHUNK = 500;
/**
 * How far behind a worker's last sync the database's last_seen_at may be, for a worker seen since
 * (while at most SEEN_ROWS_PER_FLUSH × the shortest refresh / SEEN_FLUSH_MS = 24,000 workers come due
 * together; past that the oldest go first and the lag grows). Readers of the column allow for it
 * (platform-metrics.ts; the web's online window, two minutes, is above it and a poll interval).
 */
export const LAST_SEEN_LAG_MS = 60_000;
/** How often due last-seen rows are written. */
const SEEN_FLUSH_MS = 5_000;
/** Rows one flush writes at most: 20,000 workers refreshed every 40–50 s come due ≈ 2,200 a flush. */
const SEEN_ROWS_PER_FLUSH = 3_000;
/**
 * When a worker's stored last-seen is next refreshed, after a write: a random point in the last part of
 * the lag that still leaves a flush interval and a margin for the write. Random, so the rows of workers
 * first seen together (a farm starting) do not keep coming due in the same flush.
 */
const refreshAfter = (): number => {
  const latest = LAST_SEEN_LAG_MS - SEEN_FLUSH_MS - 5_000;
  const earliest = (LAST_SEEN_LAG_MS * 2) / 3;
  return earliest + Math.random() * (latest - earliest);
};

/** A worker's last-seen as this process knows it: `at` seen, `written` the value last stored (0: none), `due` when it is next stored. */
interface SeenState {
  at: number;
  written: number;
  due: number;
}
/** How long a credential lookup waits for others to share its query (a miss: a worker not seen since this process started). */
const LOOKUP_GATHER_MS = 5;

/**
 * Worker enrollment and credentials, modelled on Kubernetes' node authorizer: an operator (or the
 * tenant that owns a site) enrolls a worker for one site; the worker gets a credential bound to its
 * id and site; credentials are listed, rotated and revoked, and each of those is an audited event.
 */
export class WorkerRegistry {
  /** Identities of the credentials checked so far, by credential hash: workers sync thousands of times a second in all. */
  private readonly cache = new Map<string, WorkerIdentity>();
  /** When the last look for revocations and rotations began (0: none yet). */
  private checkedAt = 0;
  private checking: Promise<void> | null = null;
  /** Told when a worker is revoked, so its leases go back to the queues at once. */
  onRevoked: (workerId: string) => Promise<void> = async () => undefined;
  /** Database lookups of credentials (the cache's misses, several to a query); looks for revocations and rotations; last-seen statements and rows written. */
  readonly stats = { lookupQueries: 0, revocationChecks: 0, seenWrites: 0, seenRows: 0 };

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly network: NetworkStore,
    private readonly opts: { recheckMs?: number; seenRowsPerFlush?: number; databaseKind?: 'pglite' | 'postgres' } = {},
  ) {}

  /** Only an operator, or a tenant for a site it owns, may put workers on a site. */
  private async authoriseSite(p: Principal, siteId: string, what: string): Promise<void> {
    if (p.role === 'operator') return;
    if (p.role === 'tenant' && p.tenantId) {
      const site = await this.network.getSite(siteId).catch(() => null);
      if (site && site.ownerTenantId === p.tenantId) return;
    }
    throw new AppError('WORKER_SITE_FORBIDDEN', 403, `You may not ${what} at site "${siteId}": only an operator, or the tenant that owns the site, enrolls and manages its workers.`);
  }

  async enroll(p: Principal, input: { siteId: string; name: string }): Promise<WorkerCredential> {
    await this.authoriseSite(p, input.siteId, 'enroll workers');
    const site = await this.network.getSite(input.siteId);
    const [dup] = await this.db
      .select({ id: workers.id })
      .from(workers)
      .where(and(eq(workers.siteId, input.siteId), eq(workers.name, input.name), isNull(workers.revokedAt)));
    if (dup) throw errors.conflict('WORKER_EXISTS', `Site "${input.siteId}" already has a worker named "${input.name}" (${dup.id}); rotate its credential or revoke it first.`);
    const id = newId('wrk');
    const credential = `${WORKER_CREDENTIAL_PREFIX}${id}.${newSecret()}`;
    let row: Row | undefined;
    await this.write(async (tx, ev) => {
      [row] = await tx
        .insert(workers)
        .values({ id, name: input.name, siteId: input.siteId, ownerTenantId: site.ownerTenantId ?? null, credentialHash: sha256(credential), enrolledBy: p.userId })
        .returning();
      await this.bus.record(tx, ev, {
        kind: 'worker.enrolled',
        entity: 'worker',
        entityId: id,
        tenantId: site.ownerTenantId ?? null,
        actor: p.userId,
        data: { siteId: input.siteId, name: input.name },
      });
    });
    return { ...toInfo(row!), credential };
  }

  /**
   * Enrolls a rack of workers at once (a render farm adds nodes by the thousand): one transaction,
   * one audit event naming every worker. Names must be new at the site.
   */
  async enrollMany(p: Principal, siteId: string, names: readonly string[]): Promise<WorkerCredential[]> {
    await this.authoriseSite(p, siteId, 'enroll workers');
    const site = await this.network.getSite(siteId);
    if (new Set(names).size !== names.length) throw errors.validation([{ path: 'names', message: 'worker names must be unique' }]);
    const now = new Date();
    const made = names.map((name) => {
      const id = newId('wrk');
      return { id, name, credential: `${WORKER_CREDENTIAL_PREFIX}${id}.${newSecret()}` };
    });
    await this.write(async (tx, ev) => {
      for (const slice of slices(made, 1000)) {
        await tx.insert(workers).values(
          slice.map((m) => ({
            id: m.id,
            name: m.name,
            siteId,
            ownerTenantId: site.ownerTenantId ?? null,
            credentialHash: sha256(m.credential),
            enrolledBy: p.userId,
            enrolledAt: now,
          })),
        );
      }
      await this.bus.record(tx, ev, {
        kind: 'worker.enrolled',
        entity: 'site',
        entityId: siteId,
        tenantId: site.ownerTenantId ?? null,
        actor: p.userId,
        data: { siteId, workers: made.map((m) => ({ id: m.id, name: m.name })) },
      });
    });
    const base = { siteId, ownerTenantId: site.ownerTenantId ?? null, enrolledBy: p.userId, enrolledAt: now.toISOString(), rotatedAt: null, revokedAt: null, lastSeenAt: null };
    return made.map((m) => ({ ...base, id: m.id, name: m.name, credential: m.credential }));
  }

  async list(p: Principal, q: { siteId?: string | undefined; includeRevoked?: boolean | undefined }): Promise<WorkerInfo[]> {
    if (p.role !== 'operator' && !(p.role === 'tenant' && p.tenantId)) throw errors.forbidden('list workers');
    const conds = [];
    if (q.siteId) conds.push(eq(workers.siteId, q.siteId));
    if (!q.includeRevoked) conds.push(isNull(workers.revokedAt));
    if (p.role === 'tenant') conds.push(eq(workers.ownerTenantId, p.tenantId!));
    const rows = await this.db
      .select()
      .from(workers)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(workers.enrolledAt));
    // The database's last-seen may lag by LAST_SEEN_LAG_MS: the workers this process serves are shown exact.
    return rows.map((r) => {
      const info = toInfo(r);
      const at = this.lastSeen(r.id);
      return at !== null && (!r.lastSeenAt || at > r.lastSeenAt.getTime()) ? { ...info, lastSeenAt: new Date(at).toISOString() } : info;
    });
  }

  private async load(p: Principal, id: string, what: string): Promise<Row> {
    const [row] = await this.db.select().from(workers).where(eq(workers.id, id));
    // A tenant asking about a worker that is not on its own site learns nothing about it.
    if (!row || (p.role === 'tenant' && row.ownerTenantId !== p.tenantId)) throw errors.notFound('worker', id);
    await this.authoriseSite(p, row.siteId, what);
    return row;
  }

  async revoke(p: Principal, id: string): Promise<WorkerInfo> {
    const row = await this.load(p, id, 'revoke workers');
    if (row.revokedAt) return toInfo(row);
    let next: Row | undefined;
    await this.write(async (tx, ev) => {
      [next] = await tx.update(workers).set({ revokedAt: new Date(), revokedBy: p.userId }).where(eq(workers.id, id)).returning();
      await this.bus.record(tx, ev, { kind: 'worker.revoked', entity: 'worker', entityId: id, tenantId: row.ownerTenantId, actor: p.userId, data: { siteId: row.siteId, name: row.name } });
    });
    this.forget(id);
    await this.onRevoked(id);
    return toInfo(next!);
  }

  /** A new credential for the same worker; the old one stops working at once. */
  async rotate(p: Principal, id: string): Promise<WorkerCredential> {
    const row = await this.load(p, id, 'rotate worker credentials');
    if (row.revokedAt) throw errors.conflict('WORKER_REVOKED', `Worker ${id} is revoked; enroll a new worker instead.`);
    return this.rotateRow(row, p.userId);
  }

  private async rotateRow(row: Row, actor: string): Promise<WorkerCredential> {
    const credential = `${WORKER_CREDENTIAL_PREFIX}${row.id}.${newSecret()}`;
    let next: Row | undefined;
    await this.write(async (tx, ev) => {
      [next] = await tx.update(workers).set({ credentialHash: sha256(credential), rotatedAt: new Date() }).where(eq(workers.id, row.id)).returning();
      await this.bus.record(tx, ev, { kind: 'worker.rotated', entity: 'worker', entityId: row.id, tenantId: row.ownerTenantId, actor, data: { siteId: row.siteId, name: row.name } });
    });
    this.forget(row.id);
    return { ...toInfo(next!), credential };
  }

  /**
   * The demo's embedded workers: enrolled once by the operator, with a fresh credential at every
   * start (the old one is only stored as a hash, so it cannot be handed out again).
   */
  async ensureWorker(operator: Principal, siteId: string, name: string): Promise<WorkerCredential> {
    const [row] = await this.db
      .select()
      .from(workers)
      .where(and(eq(workers.siteId, siteId), eq(workers.name, name), isNull(workers.revokedAt)));
    if (row) return this.rotateRow(row, operator.userId);
    return this.enroll(operator, { siteId, name });
  }

  /** The identity behind a worker credential, or null when it is unknown, rotated or revoked. */
  async authenticate(credential: string): Promise<WorkerIdentity | null> {
    const id = workerIdOfCredential(credential);
    if (!id) return null;
    await this.dropChanged();
    const hash = sha256(credential);
    const hit = this.cache.get(hash);
    if (hit) return hit;
    const row = await this.lookup(hash);
    if (!row || row.id !== id) return null;
    const w: WorkerIdentity = { workerId: row.id, name: row.name, siteId: row.siteId, ownerTenantId: row.ownerTenantId };
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(hash, w);
    return w;
  }

  /**
   * Drops the cached credentials of workers revoked or rotated since the last look: one small query for
   * the whole farm. It begins once RECHECK_AHEAD of RECHECK_MS have passed, and calls wait for it only
   * when it has not ended by RECHECK_MS (a cached credential is never used unchecked for longer than
   * that). Waiting from the start held every sync arriving during the query: on PostgreSQL, whose answer
   * waits for a turn of the loop, hundreds of them, all resumed in one turn when it came.
   */
  private async dropChanged(): Promise<void> {
    const recheckMs = this.opts.recheckMs ?? RECHECK_MS;
    const age = Date.now() - this.checkedAt;
    if (age < recheckMs * RECHECK_AHEAD) return;
    if (!this.checking) {
      const look = this.lookForChanges().finally(() => {
        this.checking = null;
      });
      // Begun ahead, it may fail with nobody waiting: a call past the bound waits for the next look.
      look.catch(() => undefined);
      this.checking = look;
    }
    if (age < recheckMs) return;
    await this.checking;
  }

  private async lookForChanges(): Promise<void> {
    const started = Date.now();
    // Nothing is cached before the first look.
    if (this.checkedAt > 0 && this.cache.size > 0) {
      this.stats.revocationChecks++;
      const since = new Date(this.checkedAt - CHANGE_MARGIN_MS);
      const rows = await this.db.select({ id: workers.id }).from(workers).where(or(gte(workers.revokedAt, since), gte(workers.rotatedAt, since)));
      this.forget(...rows.map((r) => r.id));
    }
    this.checkedAt = started;
  }

  /** Cache misses waiting for the one query that looks up every miss of the next LOOKUP_GATHER_MS. */
  private lookups: Map<string, ((row: Row | null) => void)[]> | null = null;
  private lookupsFailed: ((err: unknown) => void)[] = [];

  /**
   * A live (not revoked) worker row by credential hash. Misses arriving together share one query:
   * 20,000 nodes (re)connecting at once would otherwise be 20,000 single-row queries.
   */
  private lookup(hash: string): Promise<Row | null> {
    return new Promise((resolve, reject) => {
      if (!this.lookups) {
        const batch = (this.lookups = new Map());
        const failed: ((err: unknown) => void)[] = (this.lookupsFailed = []);
        // A few milliseconds gather the misses of many requests: one per loop turn is what a loaded
        // server reads, so a batch per turn was nearly a query per worker when 20,000 (re)connected.
        setTimeout(() => {
          this.lookups = null;
          void this.lookupBatch(batch).catch((err: unknown) => failed.forEach((f) => f(err)));
        }, LOOKUP_GATHER_MS);
      }
      const waiting = this.lookups.get(hash) ?? [];
      waiting.push(resolve);
      this.lookups.set(hash, waiting);
      this.lookupsFailed.push(reject);
    });
  }

  private async lookupBatch(batch: Map<string, ((row: Row | null) => void)[]>): Promise<void> {
    const hashes = [...batch.keys()];
    const found = new Map<string, Row>();
    for (const slice of slices(hashes, 1000)) {
      this.stats.lookupQueries++;
      const rows = await this.db.select().from(workers).where(and(inArray(workers.credentialHash, slice), isNull(workers.revokedAt)));
      for (const r of rows) found.set(r.credentialHash, r);
    }
    for (const [hash, waiting] of batch) for (const resolve of waiting) resolve(found.get(hash) ?? null);
  }

  /**
   * Last-seen is kept exact in memory (`seen`) and reaches the database boundedly late: a worker's row
   * is written when it was never written by this process, or when its stored value is due for a refresh
   * (LAST_SEEN_LAG_MS), at most SEEN_ROWS_PER_FLUSH rows every SEEN_FLUSH_MS. Writing every worker seen
   * each 15 s was 20,000 rows every 15 s at 20,000 render nodes (1,333 rows/s, 40 statements a flush).
   */
  private readonly seen = new Map<string, SeenState>();
  private flushing: NodeJS.Timeout | null = null;
  touch(workerId: string, now = Date.now()): void {
    const s = this.seen.get(workerId);
    if (s) s.at = now;
    else this.seen.set(workerId, { at: now, written: 0, due: 0 });
    this.armSeenFlush();
  }

  private armSeenFlush(): void {
    this.flushing ??= setTimeout(() => void this.flushSeen().catch(() => undefined), SEEN_FLUSH_MS).unref();
  }

  /** When each worker was last seen, as far as this process knows: exact for the workers it serves. */
  lastSeen(workerId: string): number | null {
    return this.seen.get(workerId)?.at ?? null;
  }

  /**
   * Writes the last-seen of the workers that are due (`all`: of every worker seen since its last write,
   * as at shutdown), oldest due first, at most SEEN_ROWS_PER_FLUSH of them unless `all`.
   */
  async flushSeen(opts: { all?: boolean; now?: number } = {}): Promise<void> {
    if (this.flushing) clearTimeout(this.flushing);
    this.flushing = null;
    const now = opts.now ?? Date.now();
    const due: [string, SeenState][] = [];
    let unwritten = 0;
    for (const e of this.seen) {
      if (e[1].at <= e[1].written) continue;
      unwritten++;
      if (opts.all || e[1].due <= now) due.push(e);
    }
    const cap = this.opts.seenRowsPerFlush ?? SEEN_ROWS_PER_FLUSH;
    if (!opts.all && due.length > cap) due.sort((a, b) => a[1].due - b[1].due).length = cap;
    // In chunks: on the embedded database one statement for 20,000 workers holds the event loop (and every
    // sync and operator call waiting on it) for the whole update.
    const pacing = statementPacing(this.opts.databaseKind ?? 'pglite', SEEN_CHUNK);
    let first = true;
    for (const slice of slices(due, pacing.rowsPerStatement)) {
      // Requests run between the chunks (an await alone may not let them: PGlite runs a statement and
      // resolves it without returning to the event loop).
      if (!first && pacing.turnBetween) await nextTurn();
      first = false;
      this.stats.seenWrites++;
      const rows = slice.map(([id, s]) => ({ id, at_ms: s.at }));
      const ok = await this.db
        .execute(
          sql`update ${workers} as w set last_seen_at = to_timestamp(x.at_ms / 1000.0)
            from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id text, at_ms bigint)
            where w.id = x.id and (w.last_seen_at is null or w.last_seen_at < to_timestamp(x.at_ms / 1000.0))`,
        )
        .then(
          () => true,
          () => false,
        );
      // A failed write is tried again at the next flush: the rows stay unwritten and due.
      if (!ok) continue;
      for (const [i, [, s]] of slice.entries()) {
        s.written = rows[i]!.at_ms;
        s.due = now + refreshAfter();
      }
      unwritten -= slice.length;
      this.stats.seenRows += slice.length;
    }
    if (unwritten > 0) this.armSeenFlush();
  }

  private forget(...workerIds: string[]): void {
    if (!workerIds.length) return;
    const gone = new Set(workerIds);
    for (const [k, w] of this.cache) if (gone.has(w.workerId)) this.cache.delete(k);
  }

  private async write(fn: (tx: Tx, ev: PublishedEvent[]) => Promise<void>): Promise<void> {
    const ev: PublishedEvent[] = [];
    await this.db.transaction((tx) => fn(tx, ev));
    this.bus.publish(ev);
  }
}
