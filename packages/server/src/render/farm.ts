import { join } from 'node:path';
import { JobTypes } from './job-types.ts';
import { FINAL_JOB_STATES } from '@shuzhi/render';
import type { Clock, FailurePolicy } from '@shuzhi/render';
import { systemClock, type RenderBlobReport, type RenderBlobSource } from '@shuzhi/schema';
import type { WorkerIdentity } from '../workers/registry.ts';
import type { ExternalWorkApi } from '../compute/external-work.ts';
import type { NetworkStore } from '../compute/network-store.ts';
import type { Db } from '../db/client.ts';
import type { EventBus } from '../events/bus.ts';
import type { Logger } from '../log.ts';
import { RenderAdmission } from './admission.ts';
import { BlobStore } from './assets/blob-store.ts';
import { StoreSlots } from './assets/store-slots.ts';
import { PeerBroker } from './assets/peer-broker.ts';
import { FarmJobs } from './jobs.ts';
import { FarmLimits } from './limits.ts';
import { FarmMeter } from './metering.ts';
import { FarmPower, LocalWakeProvider } from './power.ts';
import { NodeFiles } from './node-files.ts';
import { NodeSync } from './node-sync.ts';
import { statementPacing } from '../db/slices.ts';
import { BatchWriter, ROWS_PER_STATEMENT, WRITER_BOUNDS, type WriterBounds } from './persist.ts';
import { restoreFarm } from './restore.ts';
import { FarmState } from './state.ts';
import type { RenderStorage } from './storage.ts';
import { Throughput } from './throughput.ts';
import { UploadQuota } from './uploads.ts';
import { FarmViews } from './views.ts';

export interface FarmOptions {
  /** SHUZHI_LEASE_MS: a small farm's lease, and the shortest. */
  leaseMs: number;
  /** SHUZHI_HEARTBEAT_BUDGET: heartbeats a second the fleet may ask; more nodes get longer leases (0 or unset: always leaseMs). */
  heartbeatsPerSec?: number;
  /** The site whose render pool is metered (the demo's Karamay render base). */
  siteId: string;
  policy?: Partial<FailurePolicy>;
  batchMs?: number;
  /** How much unwritten work may wait while the database is behind (persist.ts WRITER_BOUNDS). */
  writerBounds?: Partial<WriterBounds>;
  /** The database the batch writer writes to: it sizes and paces its statements for it (slices.ts statementPacing); the embedded one's when unset. */
  databaseKind?: 'pglite' | 'postgres';
  clock?: Clock;
  /** Check that a chunk's frames were uploaded before accepting its completion (default true; the bench's simulated nodes upload nothing). */
  verifyFrames?: boolean;
  /** Bytes of uploaded scenes each tenant may keep (SHUZHI_RENDER_UPLOAD_QUOTA_MB). */
  uploadQuotaBytes: number;
  /** Blob transfers to nodes the store serves at once; more wait their turn (default 32). Also the nodes the store seeds per blob before peers take over. */
  storeSlots?: number;
  /** Transfers of a blob one node serves to its peers at once (default 4). */
  peerServes?: number;
}

/**
 * The render farm: the engine's in-memory Dispatcher behind the node sync endpoint, with the
 * database as its durable log (BatchWriter) and the job metadata (spec, frames, usage) beside it.
 * Every poll touches only in-memory structures; nothing here takes a lock across all nodes.
 * This class only composes the parts: state, restore, node sync and files, commands, views, metering.
 */
export class RenderFarm {
  readonly writer: BatchWriter;
  readonly uploads: UploadQuota;
  /** Content-addressed scene files, and the limit on how many nodes read them at once. */
  readonly blobs: BlobStore;
  readonly storeSlots: StoreSlots;
  /** Nodes serving each other blobs: sources and signed grants (assets/peer-broker.ts). */
  readonly peers: PeerBroker;
  private readonly admission: RenderAdmission;
  private readonly views: FarmViews;
  private readonly jobs: FarmJobs;
  private readonly nodeFiles: NodeFiles;
  private readonly state: FarmState;
  private readonly nodeSync: NodeSync;
  private readonly meter: FarmMeter;
  readonly jobTypes: JobTypes;
  /** Licences and tenant caps (limits.ts). */
  readonly limits: FarmLimits;
  /** Sleep schedules, waking for work, energy saved (power.ts). */
  readonly power: FarmPower;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    bus: EventBus,
    private readonly log: Logger,
    network: NetworkStore,
    compute: ExternalWorkApi,
    readonly storage: RenderStorage,
    readonly opts: FarmOptions,
  ) {
    this.state = new FarmState(opts.clock ?? systemClock, { leaseMs: opts.leaseMs, ...opts.policy }, opts.siteId, opts.heartbeatsPerSec ?? 0);
    this.writer = new BatchWriter(db, bus, log, () => this.drainChanges(), opts.batchMs ?? 75, () => this.state.engine.pendingChanges(), { ...WRITER_BOUNDS, ...opts.writerBounds });
    if (opts.databaseKind) this.writer.pacing = statementPacing(opts.databaseKind, ROWS_PER_STATEMENT);
    this.uploads = new UploadQuota(join(storage.root, 'uploads'), join(storage.root, 'assets'), opts.uploadQuotaBytes);
    this.blobs = new BlobStore(storage, this.uploads);
    this.storeSlots = new StoreSlots(opts.storeSlots ?? 32);
    this.peers = new PeerBroker(opts.clock ?? systemClock, { seeds: this.storeSlots.size, perHolder: opts.peerServes ?? 4 });
    const throughput = new Throughput();
    this.meter = new FarmMeter(this.state, network, compute, opts.siteId);
    this.views = new FarmViews(db, this.state, storage, throughput, this.blobs);
    this.nodeSync = new NodeSync(this.state, this.writer, throughput, { verifyFrames: opts.verifyFrames !== false, asleep: (id) => this.power.asleep(id) });
    this.nodeFiles = new NodeFiles(this.state, storage, this.writer, this.views, this.blobs);
    this.admission = new RenderAdmission(this.state, compute, this.writer, opts.siteId, (m) => this.jobs.release(m));
    this.jobTypes = new JobTypes(db);
    this.limits = new FarmLimits(db, this.state);
    this.power = new FarmPower(db, this.state, this.meter, log);
    this.power.wakeProvider = new LocalWakeProvider((id) => this.nodeSync.wake(id));
    this.jobs = new FarmJobs(db, bus, this.state, storage, this.uploads, this.writer, this.views, this.blobs, this.admission, this.jobTypes, () => this.pump(), this.limits);
  }

  /** Counters for the bench and the metrics. */
  get counters(): NodeSync['counters'] {
    return this.nodeSync.counters;
  }

  get leaseMs(): number {
    return this.state.leaseMs;
  }

  /** What time changes, at the farm's clock now: leases run out, silent nodes go offline (the timer's sweep). */
  sweep(): void {
    this.state.engine.expireLeases();
    this.state.nodeCounts.sweep(this.state.clock.now());
    this.pump();
  }

  /** The lease a task handed out now gets, for the nodes live now. */
  leaseNow(): number {
    return this.state.leaseNow();
  }

  /** Units held of each limit now, as the dispatcher counts them (the tests sample it). */
  limitUse() {
    return this.state.engine.limits();
  }

  /** The dispatcher's figures for the metrics. */
  dispatcherStats() {
    return this.state.engine.stats();
  }

  /** Rebuilds the dispatcher from the database (at start, and again on a replica that becomes leader). */
  async restore(): Promise<void> {
    await restoreFarm(this.db, this.storage, this.state, this.limits, this.log);
    await this.power.load();
  }

  async start(): Promise<void> {
    await this.meter.refreshSite();
    this.writer.start();
    let n = 0;
    this.timer = setInterval(() => {
      try {
        this.sweep();
      } catch (err) {
        this.log.error({ err }, 'render: lease sweep failed');
      }
      if (++n % 240 === 0) void this.meter.refreshSite();
      if (n % 8 === 0) this.power.tick();
      // Held jobs are asked about again every 2 s: a top-up lets them start without anyone acting.
      if (n % 8 === 0) void this.readmit();
    }, 250);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.nodeSync.releaseAll();
    await this.writer.stop();
  }

  /** Asks billing again about the jobs admission holds back; those it admits start. */
  readmit(): Promise<void> {
    return this.admission.readmit().catch((err: unknown) => this.log.error({ err }, 'render: re-admission failed'));
  }

  pump(): void {
    this.nodeSync.pump();
  }

  /** Dispatcher rows for the batch, plus an event and metering for each job whose state changed. */
  private drainChanges() {
    const rows = this.state.engine.drainChanges();
    for (const r of rows.jobs) {
      const m = this.state.jobs.get(r.id);
      if (!m || m.lastState === r.state) continue;
      m.lastState = r.state;
      m.updatedAt = new Date(this.state.clock.now());
      this.writer.addEvent({
        kind: 'render.job',
        entity: 'render-job',
        entityId: m.id,
        tenantId: m.tenantId,
        data: { state: r.state, name: m.name, ...(r.failureMessage ? { failureMessage: r.failureMessage } : {}) },
      });
      if (FINAL_JOB_STATES.has(r.state)) this.writer.addHook((tx) => this.meter.meter(tx, m, r.state));
    }
    return rows;
  }

  // The worker protocol (worker-source.ts) and the studio calls the routes, tests and demo use.
  syncWorker: NodeSync['syncWorker'] = (...a) => this.nodeSync.syncWorker(...a);
  forgetWorker = async (workerId: string): Promise<void> => this.nodeSync.forgetWorker(workerId);
  holdsLease = (workerId: string, f: { taskId: string; attempt: number }): boolean => this.state.engine.holds(workerId, f);
  submit: FarmJobs['submit'] = (...a) => this.jobs.submit(...a);
  upload: FarmJobs['upload'] = (...a) => this.jobs.upload(...a);
  control: FarmJobs['control'] = (...a) => this.jobs.control(...a);
  controlTask: FarmJobs['controlTask'] = (...a) => this.jobs.controlTask(...a);
  list: FarmViews['list'] = (...a) => this.views.list(...a);
  get: FarmViews['get'] = (...a) => this.views.get(...a);
  frames: FarmViews['frames'] = (...a) => this.views.frames(...a);
  logs: FarmViews['logs'] = (...a) => this.views.logs(...a);
  fileOf: FarmViews['fileOf'] = (...a) => this.views.fileOf(...a);
  scenePath: FarmViews['scenePath'] = (...a) => this.views.scenePath(...a);
  publishedFrames: FarmViews['publishedFrames'] = (...a) => this.views.publishedFrames(...a);
  nodesList: FarmViews['nodesList'] = (...a) => this.views.nodesList(...a);
  overview: FarmViews['overview'] = (...a) => this.views.overview(...a);
  putFrame: NodeFiles['putFrame'] = (...a) => this.nodeFiles.putFrame(...a);
  putPreview: NodeFiles['putPreview'] = (...a) => this.nodeFiles.putPreview(...a);
  workerScene: NodeFiles['scene'] = (...a) => this.nodeFiles.scene(...a);
  workerPublished: NodeFiles['published'] = (...a) => this.nodeFiles.published(...a);
  workerFrameFile: NodeFiles['frameFile'] = (...a) => this.nodeFiles.frameFile(...a);
  workerUpstreamFrameFile: NodeFiles['upstreamFrameFile'] = (...a) => this.nodeFiles.upstreamFrameFile(...a);
  workerManifest: NodeFiles['manifest'] = (...a) => this.nodeFiles.manifest(...a);
  workerBlob: NodeFiles['blob'] = (...a) => this.nodeFiles.blob(...a);
  /** Where a node fetches a blob of its leased task from: the store, a peer (with a grant) or wait. */
  async workerBlobSource(w: WorkerIdentity, q: { taskId: string; attempt: number; sha256: string }): Promise<RenderBlobSource> {
    const { tenantId } = await this.nodeFiles.leasedBlob(w, q);
    return this.peers.source(w.workerId, tenantId, q.sha256);
  }
  /** A node's word that its transfer of a blob of its leased task ended (and where it now serves it). */
  async workerBlobReport(w: WorkerIdentity, q: { taskId: string; attempt: number; sha256: string }, r: RenderBlobReport): Promise<{ grantKey: string }> {
    const { tenantId } = await this.nodeFiles.leasedBlob(w, q);
    return this.peers.report(w.workerId, tenantId, q.sha256, r);
  }
  putManifest: FarmJobs['putManifest'] = (...a) => this.jobs.putManifest(...a);
  putBlob: FarmJobs['putBlob'] = (...a) => this.jobs.putBlob(...a);
  blobPath: FarmJobs['blobPath'] = (...a) => this.jobs.blobPath(...a);
}
