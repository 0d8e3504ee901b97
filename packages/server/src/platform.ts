import { createRng, systemClock, type Clock } from '@shuzhi/schema';
import { existsSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getRequestListener, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { AuthStore } from './auth/store.ts';
import { backupRoutes } from './backup/routes.ts';
import { JobSecrets } from './compute/job-env.ts';
import { ComputeModule } from './compute/module.ts';
import type { Config } from './config.ts';
import { migrateModule, openDatabase, type Database, type Tx } from './db/client.ts';
import { events } from './db/schema.ts';
import { EventBus } from './events/bus.ts';
import { LoginThrottle } from './auth/throttle.ts';
import { createApp } from './http/app.ts';
import { LOGIN_BODY_BYTES, PUBLIC_BODY_BYTES } from './http/body-limits.ts';
import { ProxyTrust } from './http/client-address.ts';
import { keepAliveTimeoutMs } from './http/keep-alive.ts';
import { longestLeaseOf } from './workers/fleet-lease.ts';
import { authRoutes } from './http/routes/auth.ts';
import { eventRoutes } from './http/routes/events.ts';
import { DataDirLock } from './lifecycle/data-dir-lock.ts';
import { StartError } from './lifecycle/errors.ts';
import { createLogger, type Logger } from './log.ts';
import type { ServerModule } from './module.ts';
import { loadSecretsKey } from './secrets/key-source.ts';
import { moduleFactories } from './modules.ts';
import { shellWorkSource } from './compute/worker-source.ts';
import { WorkerHub } from './workers/hub.ts';
import { PlatformMetrics } from './ops/metrics.ts';
import { registerPlatformMetrics } from './ops/platform-metrics.ts';
import { opsRoutes, type Readiness } from './ops/routes.ts';
import { WorkerRegistry } from './workers/registry.ts';
import { workerRoutes } from './workers/routes.ts';
import { REPLICAS_MIGRATIONS, Replication } from './replicas/replication.ts';

const WORKERS_MIGRATIONS = fileURLToPath(new URL('../drizzle/workers', import.meta.url));

export const VERSION = '0.1.0';
const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface PlatformOptions {
  config: Config;
  /** Use an in-memory PGlite (tests). */
  memory?: boolean;
  log?: Logger;
  /** The one clock of the platform and its modules; tests freeze or step it. Default: the system clock. */
  clock?: Clock;
  /** Seed of the platform's one random stream (demo data); the same seed gives the same demo. */
  seed?: number;
}

/** The demo's seed when none is given: the same demo data on every machine. */
const DEMO_SEED = 20260601;
/** Connections waiting to be accepted (the kernel caps it at net.core.somaxconn); see listen(). */
export const LISTEN_BACKLOG = 8192;

/** Everything the server runs, wired once: database, stores, modules, HTTP app. */
export class Platform {
  readonly bus = new EventBus();
  readonly log: Logger;
  readonly clock: Clock = systemClock;
  readonly startedAt = Date.now();
  readonly metrics = new PlatformMetrics();
  auth!: AuthStore;
  compute!: ComputeModule;
  workers!: WorkerHub;
  database!: Database;
  app!: ReturnType<typeof createApp>;
  modules: ServerModule[] = [];
  private server: ServerType | null = null;
  /** Held while an embedded (PGlite) database in the data directory is open: one server per directory. */
  private dataLock: DataDirLock | null = null;
  /** Requests being answered now: a stop lets them finish before the database closes. */
  private inFlight = 0;
  private idle: (() => void) | null = null;
  // ---- replicas (several servers on one PostgreSQL; see README "Running several replicas") ----
  /** Leader election, event relay and forwarding; null on PGlite, where the one process does everything. */
  replication: Replication | null = null;
  /** Whether this process runs the leader-only work now. */
  leaderWork = false;
  private onLeader: (() => Promise<void>)[] = [];
  /** Called when this replica loses the leadership it held (the CLI exits so a supervisor restarts it as a follower). */
  onDemoted: (why: string) => void = () => undefined;
  // ---- end replicas ----

  private constructor(readonly config: Config) {
    this.log = createLogger(config.LOG_LEVEL);
  }

  static async open(opts: PlatformOptions): Promise<Platform> {
    const p = new Platform(opts.config);
    if (opts.clock) (p as { clock: Clock }).clock = opts.clock;
    if (opts.log) (p as { log: Logger }).log = opts.log;
    try {
      await p.openParts(opts);
      return p;
    } catch (err) {
      // A start that failed half-way leaves nothing open: no database handle, no lock file.
      await p.database?.close().catch(() => undefined);
      p.dataLock?.release();
      throw err;
    }
  }

  private async openParts(opts: PlatformOptions): Promise<void> {
    const p = this;
    // Tenant code (Slurm jobs run as an unprivileged user) must not list or read the server's files.
    if (!opts.memory || existsSync(opts.config.dataDir)) await makePrivate(opts.config.dataDir, p.log);
    // Two processes on one PGlite directory corrupt it: the second start stops here, naming the first.
    if (!opts.memory && !opts.config.DATABASE_URL) p.dataLock = DataDirLock.acquire(opts.config.dataDir, { log: p.log, version: VERSION });
    // The key first: a bad key file stops the start before the database is opened.
    const key = loadSecretsKey({
      envKey: opts.config.SHUZHI_SECRETS_KEY,
      dataDir: opts.config.dataDir,
      // An in-memory database dies with the process; so may its key.
      ephemeral: (opts.memory ?? false) && !opts.config.DATABASE_URL,
      sharedDatabase: Boolean(opts.config.DATABASE_URL),
    });
    for (const w of key.warnings) p.log.warn(w);
    if (key.origin === 'generated') {
      p.log.info({ path: key.path, keyId: key.box.keyId }, 'secrets key generated: back it up with the database; without it jobs\' env cannot be read');
    }
    p.database = await openDatabase({
      url: opts.config.DATABASE_URL,
      dataDir: opts.config.dataDir,
      memory: opts.memory ?? false,
      log: p.log,
      pgliteSharedBuffersMb: opts.config.SHUZHI_PGLITE_SHARED_BUFFERS_MB,
    });
    const db = p.database.db;
    if (p.database.kind === 'postgres' && opts.config.DATABASE_URL) {
      await migrateModule(p.database, 'replicas', REPLICAS_MIGRATIONS);
      p.replication = new Replication(p.database, opts.config.DATABASE_URL, p.bus, p.log, {
        ttlMs: opts.config.SHUZHI_LEADER_TTL_MS,
        url: opts.config.SHUZHI_REPLICA_URL,
      });
    }
    const fence = p.replication ? (tx: Tx) => p.replication!.leadership.fence(tx) : null;
    p.auth = new AuthStore(db);
    p.compute = new ComputeModule(db, p.bus, p.log, {
      leaseMs: opts.config.SHUZHI_LEASE_MS,
      dataDir: opts.config.dataDir,
      secrets: new JobSecrets(key.box),
      clock: p.clock,
      fairShareHalfLifeHours: opts.config.SHUZHI_FAIRSHARE_HALF_LIFE_HOURS,
      quotaReclaimMs: opts.config.SHUZHI_QUOTA_RECLAIM_SECONDS * 1000,
      preemptMaxPerJob: opts.config.SHUZHI_PREEMPT_MAX_PER_JOB,
      preemptWindowMin: { fen: opts.config.SHUZHI_PREEMPT_WINDOW_MIN_FEN, kg: opts.config.SHUZHI_PREEMPT_WINDOW_MIN_KG },
    });
    p.compute.dispatcher.host.fence = fence;
    if (p.database.created && opts.config.SHUZHI_BOOTSTRAP_TOKEN) {
      const id = await p.auth.createUser({
        username: 'bootstrap',
        password: opts.config.SHUZHI_BOOTSTRAP_TOKEN,
        role: 'operator',
        displayName: 'Bootstrap operator',
      });
      await p.auth.createToken(id, 'bootstrap', opts.config.SHUZHI_BOOTSTRAP_TOKEN);
      p.log.info('bootstrap operator token created from SHUZHI_BOOTSTRAP_TOKEN');
    }
    await migrateModule(p.database, 'workers', WORKERS_MIGRATIONS);
    p.workers = new WorkerHub(new WorkerRegistry(db, p.bus, p.compute.network, { databaseKind: p.database.kind }));
    p.workers.register(shellWorkSource(p.compute.network, p.compute.dispatcher.agents));
    const ctx = { db, database: p.database, bus: p.bus, log: p.log, config: opts.config, auth: p.auth, compute: p.compute, workers: p.workers, fence, clock: p.clock, rng: createRng(opts.seed ?? DEMO_SEED) };
    // Compute first: the others use its services, and it stops last. Its tables came with the core migrations.
    p.modules = [p.compute, ...moduleFactories.map((f) => f(ctx))];
    for (const m of p.modules) {
      if (m.migrationsFolder) await migrateModule(p.database, m.name, m.migrationsFolder);
      await m.init?.();
    }
    // Every module migrated and initialised: another server may migrate now (PostgreSQL).
    await p.database.endMigrations();
    // A worker is seen within the longest lease any was given (a big render farm's nodes call less often).
    registerPlatformMetrics(p.metrics, { db, leaseMs: longestLeaseOf(opts.config) });
    for (const m of p.modules) m.metrics?.(p.metrics);
    const audit = async (e: { kind: string; actor: string; data: Record<string, unknown> }) => {
      await db.insert(events).values({ kind: e.kind, entity: 'auth', entityId: e.actor, actor: e.actor, data: e.data });
    };
    p.app = createApp({
      auth: p.auth,
      workers: p.workers.registry,
      syncHub: p.workers,
      syncsPerTurn: opts.config.SHUZHI_SYNCS_PER_TURN,
      log: p.log,
      metrics: p.metrics,
      webDist: WEB_DIST,
      beforeAuth: p.replication ? [p.replication.middleware()] : [],
      ...(p.replication ? { leaderHere: () => p.replication!.route().local } : {}),
      edge: {
        proxies: ProxyTrust.parse(opts.config.SHUZHI_TRUSTED_PROXIES),
        publicUrl: opts.config.SHUZHI_PUBLIC_URL,
        limits: {
          json: opts.config.SHUZHI_MAX_BODY_BYTES,
          login: LOGIN_BODY_BYTES,
          public: PUBLIC_BODY_BYTES,
          upload: opts.config.SHUZHI_MAX_UPLOAD_BYTES,
          frame: opts.config.SHUZHI_MAX_FRAME_BYTES,
          sync: opts.config.SHUZHI_MAX_SYNC_BYTES,
        },
      },
      health: async () => ({
        version: VERSION,
        database: p.database.kind,
        uptimeSec: Math.round((Date.now() - p.startedAt) / 1000),
        // Screens that show the platform's figures (the control-room wall) label them as demo data when they are.
        demo: opts.config.SHUZHI_DEMO === '1',
        // With several replicas: a load balancer may send leader-only routes (worker syncs) straight to the leader.
        ...(p.replication ? { replica: { id: p.replication.id, role: p.replication.role, leader: p.replication.leadership.current?.url ?? null } } : {}),
      }),
      routers: [
        authRoutes(p.auth, audit, p.bus, {
          throttle: new LoginThrottle({
            perAccount: opts.config.SHUZHI_LOGIN_MAX_FAILURES,
            perAddress: opts.config.SHUZHI_LOGIN_MAX_FAILURES_PER_ADDRESS,
            lockMs: opts.config.SHUZHI_LOGIN_LOCK_SECONDS * 1000,
          }),
          alwaysSecure: opts.config.SHUZHI_PUBLIC_URL?.startsWith('https:') ?? false,
        }),
        workerRoutes(p.workers),
        eventRoutes(p.bus),
        opsRoutes({ metrics: p.metrics, readiness: () => p.readiness() }),
        backupRoutes({ database: p.database, config: opts.config, log: p.log }),
        ...p.modules.flatMap((m) => (m.routes ? [m.routes()] : [])),
      ],
    });
  }

  /**
   * Whether this process can do its job: the database answers, every migration ran (Platform.open
   * finished them before any route exists), and it knows which process runs the once-only work.
   */
  async readiness(): Promise<Readiness> {
    let database = 'ok';
    try {
      await this.database.db.execute(sql`select 1`);
    } catch (err) {
      database = `unreachable: ${(err as Error).message}`;
    }
    // PGlite: this one process is the leader. Several replicas: the lease row names it (or nobody, mid-takeover).
    const leaderUrl = this.replication && !this.leaderWork ? (this.replication.leadership.current?.url ?? null) : undefined;
    const leader = leaderUrl === undefined ? 'self' : leaderUrl ? `replica at ${leaderUrl}` : 'unknown: no replica holds the leader lease yet (a takeover takes up to SHUZHI_LEADER_TTL_MS)';
    const ready = database === 'ok' && leaderUrl !== null;
    return { ready, checks: { database, migrations: 'ok', leader } };
  }

  /**
   * Starts background work (dispatcher, live figures). With several replicas (DATABASE_URL) this replica
   * relays events and competes for the leader lease; the background work starts when it wins.
   */
  async start(): Promise<void> {
    if (!this.replication) return this.startLeaderWork();
    await this.replication.start({
      promote: async () => {
        for (const m of this.modules) await m.reload?.();
        await this.startLeaderWork();
      },
      demote: (why) => {
        void this.stopLeaderWork().finally(() => this.onDemoted(why));
      },
    });
  }

  /** Work that must happen once: dispatchers, planner, timers, device sessions, then what `whenLeader` queued. */
  private async startLeaderWork(): Promise<void> {
    for (const m of this.modules) await m.start?.();
    this.leaderWork = true;
    for (const fn of this.onLeader.splice(0)) await fn();
  }

  private async stopLeaderWork(): Promise<void> {
    if (!this.leaderWork) return;
    this.leaderWork = false;
    for (const m of [...this.modules].reverse()) {
      await m.stopDemo?.().catch(() => undefined);
      await m.stop?.().catch(() => undefined);
    }
  }

  /** Runs `fn` once this process runs the leader-only work (at once on a single server): demo runners. */
  async whenLeader(fn: () => Promise<void>): Promise<void> {
    if (this.leaderWork) await fn();
    else this.onLeader.push(fn);
  }

  /** Listens for HTTP; rejects with PORT_IN_USE or LISTEN_FAILED when the address cannot be had. */
  listen(port = this.config.PORT, host = this.config.HOST): Promise<number> {
    // Every answer under way counts, whichever way it goes, so a graceful stop waits for it.
    const counted = async <T>(answer: () => T | Promise<T>): Promise<T> => {
      this.inFlight++;
      try {
        return await answer();
      } finally {
        if (--this.inFlight === 0) this.idle?.();
      }
    };
    const fetch = (req: Request, env: unknown): Promise<Response> => counted(() => this.app.fetch(req, env as never));
    const lane = this.app.syncLane;
    return new Promise((resolve, reject) => {
      // Workers' syncs on their own lane (http/worker-sync-lane.ts); everything else through the app.
      const app = getRequestListener(fetch, { hostname: host });
      const server = createServer((req, res) => {
        const answer = lane?.take(req, res);
        if (answer) void counted(() => answer);
        else void app(req, res);
      });
      // A deep accept queue (the kernel caps it at net.core.somaxconn): 20,000 render nodes reconnecting
      // at once (after a restart) overflow Node's default of 511 while the loop is busy, and the kernel
      // then drops their handshakes — connect timeouts and resets, and TCP's backoff delays them for seconds.
      server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        const info = server.address() as AddressInfo;
        server.off('error', failed);
        if (this.replication && !this.replication.selfUrl) {
          const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
          this.replication.selfUrl = `http://${h}:${info.port}`;
          void this.replication.leadership.refresh();
        }
        resolve(info.port);
      });
      const failed = (err: NodeJS.ErrnoException) => {
        this.server = null;
        const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
        reject(
          err.code === 'EADDRINUSE'
            ? new StartError('PORT_IN_USE', `port ${port} is in use at ${where} (another Shuzhi or another program); stop it or set PORT`, { cause: err })
            : new StartError('LISTEN_FAILED', `cannot listen on ${where}: ${err.message}; check HOST and PORT`, { cause: err }),
        );
      };
      server.once('error', failed);
      // Longer than a node's quiet gap between calls (http/keep-alive.ts): Node's 5 s default would close
      // each node's connection between its heartbeats (a reconnect storm at 20,000 nodes).
      (server as { keepAliveTimeout?: number }).keepAliveTimeout = keepAliveTimeoutMs(longestLeaseOf(this.config));
      this.server = server;
    });
  }

  /**
   * Stops in order: demo workers hand back their leases (through the API, still listening); no new
   * connections, requests in flight finish (long polls and event streams are cut after a short grace);
   * modules stop their timers and flush batched writes; dispatch stops; the database closes; the data
   * directory is unlocked. Bounded by the caller (`shuzhi serve`: SHUZHI_SHUTDOWN_SECONDS).
   */
  async close(): Promise<void> {
    for (const m of [...this.modules].reverse()) await m.stopDemo?.();
    await this.stopHttp();
    for (const m of [...this.modules].reverse()) await m.stop?.();
    await this.workers.registry.flushSeen({ all: true });
    // After the leader's work stopped: releasing the lease lets another replica take over at once.
    await this.replication?.stop();
    await this.database.close();
    this.dataLock?.release();
  }

  private async stopHttp(graceMs = 1000): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    const closed = new Promise<void>((res) => s.close(() => res()));
    const http = s as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    http.closeIdleConnections?.();
    // Requests in flight get a moment to answer; what still holds a connection then (a worker's long
    // poll, an event stream) is cut, and its handler sees the abort.
    await this.untilIdle(graceMs);
    http.closeAllConnections?.();
    await closed;
    // Their handlers see the abort; one that still runs after this is logged, and the stop goes on.
    await this.untilIdle(5000);
    if (this.inFlight > 0) this.log.warn({ requests: this.inFlight }, 'requests still being answered as the server stops');
  }

  private untilIdle(ms: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((res) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        res();
      }
      this.idle = done;
    });
  }
}

/** The data directory is the server's alone (0700): created so, and tightened if it was open to others. */
async function makePrivate(dir: string, log: Logger): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
  } catch (err) {
    log.warn({ err, dir }, 'could not make the data directory private (mode 0700)');
  }
}
