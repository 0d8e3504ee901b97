import type { Clock, Rng } from '@shuzhi/schema';
import type { AuthStore } from './auth/store.ts';
import type { ComputeModule } from './compute/module.ts';
import type { Config } from './config.ts';
import type { Database, Db, Tx } from './db/client.ts';
import type { EventBus } from './events/bus.ts';
import type { router } from './http/context.ts';
import type { Logger } from './log.ts';
import type { PlatformMetrics } from './ops/metrics.ts';
import type { WorkerHub } from './workers/hub.ts';

/** What every module gets from the platform. */
export interface ModuleContext {
  db: Db;
  database: Database;
  bus: EventBus;
  log: Logger;
  config: Config;
  auth: AuthStore;
  compute: ComputeModule;
  /** The worker protocol: a module that leases work to workers registers its work source here. */
  workers: WorkerHub;
  /**
   * With several replicas on one PostgreSQL: call first in transactions of leader-only work (leases,
   * dispatch); it throws LEADERSHIP_LOST, rolling the transaction back, once this server no longer leads.
   * Null on a single server.
   */
  fence: ((tx: Tx) => Promise<void>) | null;
  /** The platform's one clock: read it instead of Date.now() so tests can freeze time. */
  clock: Clock;
  /** The platform's one seeded random stream (demo data). */
  rng: Rng;
}

/**
 * A product module on the platform (render, gov, mine, billing, …). Each owns its tables (its own
 * drizzle schema file and migrations folder, tracked in its own migrations table), its routes and
 * its background work; the platform calls these hooks in order.
 */
export interface ServerModule {
  name: string;
  /**
   * Absolute path of this module's drizzle migrations folder, applied at start. Compute has none: its
   * tables predate the modules and stay in the core folder (see compute/db-schema.ts).
   */
  migrationsFolder?: string;
  /** Called once migrations are applied. */
  init?(): Promise<void>;
  routes?(): ReturnType<typeof router>;
  /**
   * With several replicas: this server was just elected leader; reload from the database whatever
   * in-memory state start() works from (what init() read is stale by now). Called before start().
   */
  reload?(): Promise<void>;
  /** Background work that must run once (timers, dispatchers, device sessions): only on the leader. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Seeds demo data (idempotent: a second start finds it). Returns lines to print at start. */
  seedDemo?(): Promise<string[]>;
  /** After the server listens: embedded agents, simulators, demo traffic. */
  startDemo?(baseUrl: string): Promise<void>;
  stopDemo?(): Promise<void>;
  /** Adds this module's figures to the platform's Prometheus metrics (read at scrape time). */
  metrics?(m: PlatformMetrics): void;
}

export type ModuleFactory = (ctx: ModuleContext) => ServerModule;
