/**
 * The mine module's live side: one FaceController per registered face (OPC UA), wired to the
 * durable alarm book, the append-only audit, the historian, the per-face live streams and MQTT.
 * Routes call it after checking roles; it never decides who may do what.
 */
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { MineError, buildFace, isMineError } from '@shuzhi/mine';
import type { Alarm, AlarmChange, Face, FaceConfig, FaceEvent, FaceStateView, PlantSnapshot } from '@shuzhi/mine';
import { MINE_DEFAULT_SECURITY } from '@shuzhi/schema';
import type {
  MineAlarm, MineCertificate, MineCertificates, MineCommandKind, MineCommandResult, MineFaceConfig, MineFaceInput, MineFaceSettings, MineFaceState, MineFaceSummary,
  MineFleet, MineLinkError, MineLinkSecurity,
} from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import { errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../log.ts';
import { AlarmStore } from './alarm-store.ts';
import { AuditStore } from './audit-store.ts';
import type { AuditInput } from './audit-store.ts';
import type { FaceController } from './controller-runtime.ts';
import type { AuditRecord, FaceControllerOptions } from './controller-runtime.ts';
import { mineFaces } from './db-schema.ts';
import { mineErrors } from './errors.ts';
import { demoFleet } from './fleet.ts';
import { Historian } from './historian.ts';
import type { MqttPublisher } from './mqtt-publisher.ts';
import type { MinePki } from './pki.ts';

/** Who acts, as the audit records it. */
export interface Actor {
  userId: string | null;
  username: string;
  role: string | null;
  origin: string | null;
}

export interface TelemetryDiff {
  at: number;
  machines: Record<string, Record<string, unknown>>;
  sensors: Record<string, { pct: number | null; ok: boolean }>;
}

export type LiveMessage =
  | { event: 'state'; data: MineFaceState }
  | { event: 'telemetry'; data: TelemetryDiff }
  | { event: 'alarm'; data: { change: AlarmChange['type']; alarm: MineAlarm } }
  | { event: 'log'; data: FaceEvent & { atIso: string } };

type FaceRow = typeof mineFaces.$inferSelect;

interface LiveFace {
  row: FaceRow;
  face: Face;
  controller: FaceController;
  engineToDb: Map<string, string>;
  dbToEngine: Map<string, string>;
  listeners: Set<(m: LiveMessage) => void>;
  lastSent: PlantSnapshot;
  closed: boolean;
  retry: NodeJS.Timeout | null;
  /** why the last connection attempt failed; null once connected */
  linkError: MineLinkError | null;
}

export interface MineServiceOptions {
  db: Db;
  bus: EventBus;
  log: Logger;
  dataDir: string;
  historianIntervalMs?: number;
  /** controller tuning (tests and the bench shorten them) */
  controller?: Pick<FaceControllerOptions, 'tickMs' | 'heartbeatMs' | 'opcua'>;
}

const COMMAND_METHOD = {
  start: 'startSequence',
  stop: 'stopSequence',
  estop: 'emergencyStop',
  reset: 'reset',
} as const satisfies Record<MineCommandKind, keyof FaceController>;

/** A face without a security setting gets the secure default: None is never a fallback. */
export const securityOf = (config: MineFaceConfig): MineLinkSecurity => config.security ?? MINE_DEFAULT_SECURITY;

/** Where the server keeps its OPC UA certificate and trust list. */
export const pkiFolderOf = (dataDir: string) => join(dataDir, 'pki', 'opcua');

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function engineConfig(row: Pick<FaceRow, 'id' | 'name'>, config: MineFaceConfig): FaceConfig {
  return {
    id: row.id,
    name: row.name,
    machines: config.machines.map((m) => ({ ...m })) as FaceConfig['machines'],
    sensors: config.sensors.map((s) => ({ ...s })) as FaceConfig['sensors'],
    ...(config.startOrder ? { startOrder: config.startOrder } : {}),
  };
}

/** Builds and validates a face; an invalid configuration becomes a 400 naming the problem. */
function faceOf(row: Pick<FaceRow, 'id' | 'name'>, config: MineFaceConfig): Face {
  try {
    return buildFace(engineConfig(row, config));
  } catch (e) {
    if (isMineError(e)) throw mineErrors.faceInvalid(e.message);
    throw e;
  }
}

function diffSnapshot(prev: PlantSnapshot, next: PlantSnapshot): TelemetryDiff {
  const machines: Record<string, Record<string, unknown>> = {};
  for (const [id, m] of Object.entries(next.machines)) {
    if (!m) continue;
    const p = prev.machines[id];
    const changed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m)) if (!p || (p as unknown as Record<string, unknown>)[k] !== v) changed[k] = v;
    if (Object.keys(changed).length) machines[id] = changed;
  }
  const sensors: Record<string, { pct: number | null; ok: boolean }> = {};
  for (const [id, s] of Object.entries(next.sensors)) {
    if (!s) continue;
    const p = prev.sensors[id];
    if (!p || p.pct !== s.pct || p.ok !== s.ok) sensors[id] = { pct: s.pct, ok: s.ok };
  }
  return { at: Date.now(), machines, sensors };
}

export class MineService {
  readonly audit: AuditStore;
  readonly alarms: AlarmStore;
  readonly historian: Historian;
  readonly #faces = new Map<string, LiveFace>();
  #writes: Promise<void> = Promise.resolve();
  #mqtt: MqttPublisher | null = null;
  #pki: MinePki | null = null;

  constructor(private readonly o: MineServiceOptions) {
    this.audit = new AuditStore(o.db);
    this.alarms = new AlarmStore(o.db);
    this.historian = new Historian(o.db, o.log, o.historianIntervalMs === undefined ? {} : { intervalMs: o.historianIntervalMs });
  }

  set mqtt(p: MqttPublisher | null) {
    this.#mqtt = p;
  }

  /**
   * The mine link's certificate store, opened once, by the first face or the first certificate call (a
   * face registered before start(), the demo's seed, needs it as well).
   */
  #pkiOpening: Promise<MinePki> | null = null;
  openPki(): Promise<MinePki> {
    // node-opcua (≈ 1.5 s to load) comes in with the first face, not with every server start.
    this.#pkiOpening ??= import('./pki.ts')
      .then(({ MinePki }) => MinePki.open(pkiFolderOf(this.o.dataDir)))
      .then((p) => (this.#pki = p));
    return this.#pkiOpening;
  }

  async start(): Promise<void> {
    // A face registered before the start (the demo's seed) is attached already: a second controller for it
    // would be left behind, retrying its link every 3 s for as long as the process lives.
    for (const row of await this.o.db.select().from(mineFaces)) if (!this.#faces.has(row.id)) await this.#attach(row);
    this.historian.start();
  }

  async stop(): Promise<void> {
    for (const live of this.#faces.values()) await this.#detach(live);
    this.#faces.clear();
    await this.historian.stop();
    await this.flushed();
    await this.#pki?.close();
    this.#pki = null;
    this.#pkiOpening = null;
  }

  /** Resolves when every alarm and audit write queued so far is in the database. */
  flushed(): Promise<void> {
    return this.#writes;
  }

  #queue(what: string, fn: () => Promise<void>): void {
    this.#writes = this.#writes.then(fn).catch((err: unknown) => this.o.log.error({ err, what }, 'mine write failed'));
  }

  // ---- faces ----

  #live(id: string): LiveFace {
    const live = this.#faces.get(id);
    if (!live) throw errors.notFound('face', id);
    return live;
  }

  hasFace(id: string): boolean {
    return this.#faces.has(id);
  }

  /** Whether a face is registered in the database (loaded or not). */
  async faceStored(id: string): Promise<boolean> {
    const [row] = await this.o.db.select({ id: mineFaces.id }).from(mineFaces).where(eq(mineFaces.id, id));
    return row !== undefined;
  }

  async #attach(row: FaceRow): Promise<LiveFace> {
    const face = faceOf(row, row.config as MineFaceConfig);
    const pki = await this.openPki();
    const { FaceController } = await import('./controller-runtime.ts');
    await this.alarms.closeLeftovers(row.id, new Date());
    const c = this.o.controller ?? {};
    const live: LiveFace = {
      row, face, engineToDb: new Map(), dbToEngine: new Map(), listeners: new Set(), lastSent: { machines: {}, sensors: {} }, closed: false, retry: null, linkError: null,
      controller: null as unknown as FaceController,
    };
    live.controller = new FaceController({
      face,
      endpoint: row.endpoint,
      ...(c.tickMs === undefined ? {} : { tickMs: c.tickMs }),
      ...(c.heartbeatMs === undefined ? {} : { heartbeatMs: c.heartbeatMs }),
      // the supervisor's own certificate store under the data dir, not the user's ~/.config
      opcua: { pki, security: securityOf(row.config as MineFaceConfig), ...c.opcua },
      onAudit: (r) => this.#onPlcAudit(r),
      onAlarm: (a) => this.#onAlarm(live, a),
      onTelemetry: (s) => this.#onTelemetry(live, s),
      onState: () => this.#broadcast(live, { event: 'state', data: this.#stateOf(live) }),
      onEvent: (e) => this.#broadcast(live, { event: 'log', data: { ...e, atIso: new Date(e.at).toISOString() } }),
    });
    this.#faces.set(row.id, live);
    void this.#connect(live);
    return live;
  }

  async #connect(live: LiveFace): Promise<void> {
    if (live.closed) return;
    live.retry = null;
    try {
      await live.controller.connect();
      if (live.linkError) this.o.log.info({ face: live.row.id }, 'face PLC link established');
      live.linkError = null;
      this.#broadcast(live, { event: 'state', data: this.#stateOf(live) });
    } catch (e) {
      if (live.closed) return;
      const code = isMineError(e) ? e.code : 'MINE_OPCUA_CONNECT_FAILED';
      const message = (e as Error).message;
      const thumbprint = isMineError(e) && typeof e.fields.thumbprint === 'string' ? e.fields.thumbprint : null;
      const changed = live.linkError?.code !== code || live.linkError.message !== message;
      live.linkError = { code, message, thumbprint, at: new Date().toISOString() };
      if (changed) {
        // once per distinct reason, not every retry
        this.o.log.warn({ face: live.row.id, code, err: message }, 'face PLC link not established; retrying');
        this.#broadcast(live, { event: 'state', data: this.#stateOf(live) });
      }
      live.retry = setTimeout(() => void this.#connect(live), 3000);
    }
  }

  /** After a trust change: faces that are down try again now instead of at their next retry. */
  #retryDownFaces(): void {
    for (const live of this.#faces.values()) {
      if (live.closed || live.controller.state().connected || !live.retry) continue;
      clearTimeout(live.retry);
      void this.#connect(live);
    }
  }

  async #detach(live: LiveFace): Promise<void> {
    live.closed = true;
    if (live.retry) clearTimeout(live.retry);
    await live.controller.close();
  }

  async listFaces(): Promise<MineFaceSummary[]> {
    return [...this.#faces.values()].map((live) => {
      const v = live.controller.state();
      const pcts = Object.values(v.plant.sensors).flatMap((s) => (s?.ok && s.pct !== null ? [s.pct] : []));
      return {
        id: live.row.id,
        name: live.row.name,
        mineId: live.row.mineId,
        endpoint: live.row.endpoint,
        mode: v.mode,
        connected: v.connected,
        openAlarms: v.alarms.length,
        maxCh4Pct: pcts.length ? Math.max(...pcts) : null,
        security: securityOf(live.row.config as MineFaceConfig),
        linkError: v.connected ? null : live.linkError,
      };
    });
  }

  faceState(id: string): MineFaceState {
    return this.#stateOf(this.#live(id));
  }

  #stateOf(live: LiveFace): MineFaceState {
    const v: FaceStateView = live.controller.state();
    const cutSensors = new Set(v.cuts.map((c) => c.sensorId));
    return {
      id: live.row.id,
      name: live.row.name,
      mineId: live.row.mineId,
      endpoint: live.row.endpoint,
      mode: v.mode,
      connected: v.connected,
      estopLatched: v.estopLatched,
      sequence: v.sequence ? { ...v.sequence, phaseEndsAt: iso(v.sequence.phaseEndsAt) } : null,
      startOrder: [...live.face.startOrder],
      machines: live.face.startOrder.map((id) => {
        const m = live.face.machines.get(id)!;
        const t = v.plant.machines[id];
        return {
          id, kind: m.kind, name: m.name, dischargesOnto: m.dischargesOnto, zone: m.zone,
          warningMs: m.warningMs, feedbackTimeoutMs: m.feedbackTimeoutMs, runEmptyMs: m.runEmptyMs, ratedCurrentA: m.ratedCurrentA,
          running: t ? t.running : null, fault: t?.fault ?? false, faultCause: t?.faultCause ?? '', remote: t?.remote ?? false,
          lockout: t?.lockout ?? false, estop: t?.estop ?? false, motorCurrentA: t?.motorCurrentA ?? 0, windingTempC: t?.windingTempC ?? 0, chainSpeed: t?.chainSpeed ?? 0,
        };
      }),
      sensors: [...live.face.sensors.values()].map((s) => {
        const r = v.plant.sensors[s.id];
        return { id: s.id, position: s.position, name: s.name, alarmPct: s.alarmPct, cutPct: s.cutPct, restorePct: s.restorePct, pct: r?.pct ?? null, ok: r?.ok ?? false, cut: cutSensors.has(s.id) };
      }),
      cuts: v.cuts.map((c) => ({ sensorId: c.sensorId, cause: c.cause, since: iso(c.since)!, reason: c.reason })),
      openAlarms: v.alarms.length,
      lastMessage: v.lastMessage,
      security: securityOf(live.row.config as MineFaceConfig),
      linkError: v.connected ? null : live.linkError,
      at: new Date().toISOString(),
    };
  }

  async #recordWithEvent(audit: AuditInput, event: { kind: string; entityId: string; data: Record<string, unknown> }): Promise<void> {
    const pending: PublishedEvent[] = [];
    await this.o.db.transaction(async (tx) => {
      await this.audit.append(audit, tx);
      await this.o.bus.record(tx, pending, { kind: event.kind, entity: 'mine-face', entityId: event.entityId, actor: audit.userId ?? audit.username, data: event.data });
    });
    this.o.bus.publish(pending);
  }

  /** An attempt refused before it reached the face (wrong role): audited all the same. */
  async recordForbidden(actor: Actor, faceId: string | null, action: string, target: string): Promise<void> {
    await this.audit.append({ ...actor, faceId, action, target, result: 'forbidden', code: 'FORBIDDEN', reason: `role ${actor.role} may not do ${action}` });
  }

  async registerFace(input: MineFaceInput, actor: Actor): Promise<MineFaceState> {
    faceOf(input, input.config);
    const [existing] = await this.o.db.select({ id: mineFaces.id }).from(mineFaces).where(eq(mineFaces.id, input.id));
    if (existing) throw mineErrors.faceExists(input.id);
    const pending: PublishedEvent[] = [];
    const [row] = await this.o.db.transaction(async (tx) => {
      const rows = await tx.insert(mineFaces).values({ id: input.id, name: input.name, mineId: input.mineId, endpoint: input.endpoint, config: input.config }).returning();
      await this.audit.append({ ...actor, faceId: input.id, action: 'face-register', target: input.id, result: 'accepted', newValue: { endpoint: input.endpoint, config: input.config } }, tx);
      await this.o.bus.record(tx, pending, { kind: 'mine.face.registered', entity: 'mine-face', entityId: input.id, actor: actor.userId, data: { name: input.name } });
      return rows;
    });
    this.o.bus.publish(pending);
    return this.#stateOf(await this.#attach(row!));
  }

  /** Sequence timings, start order, methane limits or the endpoint; only while the face stands still. */
  async updateSettings(id: string, patch: MineFaceSettings, actor: Actor): Promise<MineFaceState> {
    const live = this.#live(id);
    const v = live.controller.state();
    const moving = Object.values(v.plant.machines).some((m) => m?.running) || v.sequence !== null || v.mode === 'starting' || v.mode === 'stopping';
    if (moving) {
      await this.audit.append({ ...actor, faceId: id, action: 'settings-change', target: id, result: 'rejected', code: 'MINE_FACE_RUNNING', newValue: patch });
      throw mineErrors.faceBusy(id, v.mode);
    }
    const old = live.row.config as MineFaceConfig;
    const next: MineFaceConfig = structuredClone(old);
    for (const p of patch.machines ?? []) {
      const m = next.machines.find((x) => x.id === p.id);
      if (!m) throw errors.validation([{ path: 'machines', message: `no machine "${p.id}" on face ${id}` }]);
      Object.assign(m, p);
    }
    for (const p of patch.sensors ?? []) {
      const s = next.sensors.find((x) => x.id === p.id);
      if (!s) throw errors.validation([{ path: 'sensors', message: `no sensor "${p.id}" on face ${id}` }]);
      s.limits = { ...s.limits, ...p.limits };
    }
    if (patch.startOrder) next.startOrder = patch.startOrder;
    if (patch.security) next.security = patch.security;
    faceOf(live.row, next);
    const endpoint = patch.endpoint ?? live.row.endpoint;
    const pending: PublishedEvent[] = [];
    const [row] = await this.o.db.transaction(async (tx) => {
      const rows = await tx.update(mineFaces).set({ config: next, endpoint, updatedAt: new Date() }).where(eq(mineFaces.id, id)).returning();
      await this.audit.append(
        { ...actor, faceId: id, action: 'settings-change', target: id, result: 'accepted', oldValue: { endpoint: live.row.endpoint, config: old }, newValue: { endpoint, config: next } },
        tx,
      );
      await this.o.bus.record(tx, pending, { kind: 'mine.face.updated', entity: 'mine-face', entityId: id, actor: actor.userId, data: { fields: Object.keys(patch) } });
      return rows;
    });
    this.o.bus.publish(pending);
    // the controller reads its face at construction: a new run with the new settings
    await this.#detach(live);
    this.#faces.delete(id);
    const fresh = await this.#attach(row!);
    for (const l of live.listeners) fresh.listeners.add(l);
    this.#broadcast(fresh, { event: 'state', data: this.#stateOf(fresh) });
    return this.#stateOf(fresh);
  }

  // ---- certificates of the secure link ----

  async certificates(): Promise<MineCertificates> {
    return (await this.openPki()).list();
  }

  /** Moves a rejected (or trusted) certificate to trusted/ or rejected/; audited like any engineering change. */
  async setCertificateTrust(thumbprint: string, trust: boolean, actor: Actor): Promise<MineCertificate | null> {
    const pki = await this.openPki();
    const before = pki.status(thumbprint);
    const cert = trust ? await pki.trust(thumbprint) : await pki.reject(thumbprint);
    const action = trust ? 'certificate-trust' : 'certificate-reject';
    if (!cert) {
      await this.audit.append({ ...actor, faceId: null, action, target: thumbprint.toLowerCase(), result: 'rejected', code: 'MINE_CERT_NOT_FOUND' });
      return null;
    }
    await this.#recordWithEvent(
      {
        ...actor, faceId: null, action, target: cert.thumbprint, result: 'accepted',
        oldValue: { status: before }, newValue: { status: cert.status, subject: cert.subject, validTo: cert.validTo },
      },
      { kind: `mine.certificate.${trust ? 'trusted' : 'rejected'}`, entityId: cert.thumbprint, data: { subject: cert.subject } },
    );
    if (trust) this.#retryDownFaces();
    return cert;
  }

  faceConfig(id: string): MineFaceConfig {
    return this.#live(id).row.config as MineFaceConfig;
  }

  // ---- commands ----

  async command(id: string, kind: MineCommandKind, actor: Actor, comment?: string): Promise<MineCommandResult> {
    const live = this.#live(id);
    const before = live.controller.state().mode;
    let refused: MineError | null = null;
    try {
      await live.controller[COMMAND_METHOD[kind]](actor.username);
    } catch (e) {
      if (!isMineError(e)) throw e;
      refused = e;
    }
    const after = live.controller.state();
    await this.#recordWithEvent(
      {
        ...actor, faceId: id, action: `command.${kind}`, target: id, result: refused ? 'rejected' : 'accepted',
        code: refused?.code ?? null, reason: refused?.message ?? null, comment: comment ?? null,
        oldValue: { mode: before }, newValue: { mode: after.mode },
      },
      { kind: `mine.command.${kind}`, entityId: id, data: { user: actor.username, accepted: !refused, code: refused?.code ?? null } },
    );
    if (refused) throw refused;
    return { accepted: true, mode: after.mode, message: after.lastMessage };
  }

  #onPlcAudit(r: AuditRecord): void {
    // operator commands are audited by `command` with the caller's role and origin; this adds what went to the PLC
    if (r.action !== 'plc-command') return;
    this.#queue('plc audit', () =>
      this.audit.append({
        faceId: r.faceId, username: r.user, action: 'plc-command', target: r.target, result: r.result,
        reason: r.reason ?? null, newValue: r.newValue ?? null, at: new Date(r.at),
      }),
    );
  }

  // ---- alarms ----

  #toMineAlarm(faceId: string, dbId: string, a: Alarm): MineAlarm {
    const state = a.active ? (a.silenced ? 'active-silenced' : 'active') : a.acknowledged ? 'history' : 'cleared-unacknowledged';
    return {
      id: dbId, faceId, code: a.code, source: a.source, severity: a.severity, message: a.message, state,
      raisedAt: iso(a.raisedAt)!, clearedAt: iso(a.clearedAt), silencedAt: a.silenced ? new Date().toISOString() : null,
      acknowledgedBy: a.acknowledged?.user ?? null, acknowledgedAt: iso(a.acknowledged?.at), comment: a.acknowledged?.comment ?? null,
    };
  }

  #onAlarm(live: LiveFace, change: AlarmChange): void {
    const a = change.alarm;
    const faceId = live.row.id;
    let dbId = live.engineToDb.get(a.id);
    if (!dbId) {
      dbId = newId('alm');
      live.engineToDb.set(a.id, dbId);
      live.dbToEngine.set(dbId, a.id);
    }
    const id = dbId;
    this.#queue('alarm', async () => {
      if (change.type === 'raised') {
        await this.alarms.insert({
          id, faceId, code: a.code, source: a.source, severity: a.severity, message: a.message, active: a.active,
          raisedAt: new Date(a.raisedAt), clearedAt: a.clearedAt === null ? null : new Date(a.clearedAt),
        });
      } else if (change.type === 'cleared') {
        await this.alarms.update(id, { active: false, clearedAt: new Date(a.clearedAt ?? Date.now()) });
      } else if (change.type === 'silenced') {
        await this.alarms.update(id, { silencedAt: new Date() });
      } else if (a.acknowledged) {
        await this.alarms.update(id, { acknowledgedBy: a.acknowledged.user, acknowledgedAt: new Date(a.acknowledged.at), comment: a.acknowledged.comment });
      }
    });
    const alarm = this.#toMineAlarm(faceId, id, a);
    this.#broadcast(live, { event: 'alarm', data: { change: change.type, alarm } });
    this.#mqtt?.alarm(faceId, { change: change.type, ...alarm });
  }

  async acknowledge(alarmId: string, comment: string, actor: Actor): Promise<MineAlarm> {
    return this.#alarmAction('acknowledge', alarmId, actor, comment);
  }

  async silence(alarmId: string, actor: Actor): Promise<MineAlarm> {
    return this.#alarmAction('silence', alarmId, actor, null);
  }

  async #alarmAction(action: 'acknowledge' | 'silence', alarmId: string, actor: Actor, comment: string | null): Promise<MineAlarm> {
    await this.flushed();
    const stored = await this.alarms.get(alarmId);
    if (!stored) throw errors.notFound('alarm', alarmId);
    const live = this.#faces.get(stored.faceId);
    const engineId = live?.dbToEngine.get(alarmId);
    let refused: MineError | null = null;
    try {
      if (live && engineId) {
        if (action === 'acknowledge') await live.controller.acknowledge(engineId, actor.username, comment ?? '');
        else await live.controller.silence(engineId, actor.username);
      } else {
        // left over from an earlier controller run: the same rules, applied to the stored row
        if (stored.state === 'history') throw new MineError('MINE_ALARM_ALREADY_ACKNOWLEDGED', `alarm ${alarmId} was already acknowledged by ${stored.acknowledgedBy}`);
        if (action === 'silence' || stored.state !== 'cleared-unacknowledged') throw new MineError('MINE_COMMAND_NOT_ALLOWED', `alarm ${alarmId} is ${stored.state}`);
        const done = await this.alarms.acknowledgeStored(alarmId, actor.username, comment ?? '', new Date());
        if (!done) throw new MineError('MINE_ALARM_ALREADY_ACKNOWLEDGED', `alarm ${alarmId} was acknowledged meanwhile`);
      }
    } catch (e) {
      if (!isMineError(e)) throw e;
      refused = e;
    }
    await this.flushed();
    await this.#recordWithEvent(
      {
        ...actor, faceId: stored.faceId, action: `alarm.${action}`, target: alarmId, result: refused ? 'rejected' : 'accepted',
        code: refused?.code ?? null, reason: refused?.message ?? null, comment, oldValue: { state: stored.state },
        newValue: refused ? null : { state: action === 'acknowledge' ? 'history' : 'active-silenced' },
      },
      { kind: `mine.alarm.${action === 'acknowledge' ? 'acknowledged' : 'silenced'}`, entityId: stored.faceId, data: { alarmId, user: actor.username, accepted: !refused, code: stored.code } },
    );
    if (refused) throw refused;
    const after = (await this.alarms.get(alarmId))!;
    if (live && !engineId) this.#broadcast(live, { event: 'alarm', data: { change: 'acknowledged', alarm: after } });
    return after;
  }

  // ---- live data ----

  #onTelemetry(live: LiveFace, s: PlantSnapshot): void {
    this.historian.observe(live.row.id, s);
    this.#mqtt?.telemetry(live.row.id, s);
    if (live.listeners.size === 0) {
      live.lastSent = s;
      return;
    }
    const d = diffSnapshot(live.lastSent, s);
    live.lastSent = s;
    if (Object.keys(d.machines).length || Object.keys(d.sensors).length) this.#broadcast(live, { event: 'telemetry', data: d });
  }

  #broadcast(live: LiveFace, m: LiveMessage): void {
    if (m.event === 'state' && this.#mqtt) {
      const { machines: _m, sensors: _s, ...rest } = m.data;
      this.#mqtt.state(live.row.id, rest);
    }
    for (const l of live.listeners) {
      try {
        l(m);
      } catch {
        // a closed stream must not stop the others
      }
    }
  }

  subscribe(faceId: string, l: (m: LiveMessage) => void): () => void {
    const live = this.#live(faceId);
    live.listeners.add(l);
    return () => {
      // the face may have been re-attached with new settings meanwhile
      this.#faces.get(faceId)?.listeners.delete(l);
      live.listeners.delete(l);
    };
  }

  fleet(): MineFleet {
    const live = new Map<string, { faceId: string; connected: boolean }>();
    for (const f of this.#faces.values()) {
      if (!live.has(f.row.mineId)) live.set(f.row.mineId, { faceId: f.row.id, connected: f.controller.state().connected });
    }
    return demoFleet(live);
  }
}
