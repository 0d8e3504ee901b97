/**
 * The simulated PLC and KJ safety system of one longwall face: machine physics, the PLC's own
 * interlocks and trip cascade, the methane power cut, the face e-stop and the supervisor
 * watchdog. Time comes in as arguments so the model can be stepped in tests without a server.
 */
import { buildFace, scopeCovers, upstreamOf } from '@shuzhi/mine';
import type { Face, FaceConfig, FaultKind, ResolvedMachine } from '@shuzhi/mine';

export interface PhysicsOptions {
  /** time to reach rated speed */
  rampMs: number;
  /** how long the start current stays high */
  inrushMs: number;
  inrushFactor: number;
  /** first-order time constant of the winding temperature */
  thermalTauMs: number;
  ambientC: number;
  /** stop the face when the supervisor's heartbeat is older than this; 0 = no watchdog */
  watchdogMs: number;
  /** the PLC stops everything upstream of a tripped machine (domain sheet §3) */
  plcCascade: boolean;
}

export const DEFAULT_PHYSICS: PhysicsOptions = {
  rampMs: 300,
  inrushMs: 120,
  inrushFactor: 5,
  thermalTauMs: 20_000,
  ambientC: 25,
  watchdogMs: 0,
  plcCascade: true,
};

export type SimEventKind =
  | 'started' | 'at-speed' | 'stopped' | 'refused' | 'fault' | 'fault-cleared' | 'methane'
  | 'kj-cut' | 'kj-restore' | 'estop' | 'estop-reset' | 'watchdog' | 'heartbeat-first';

/** Why a machine stopped, or who acted. */
export type SimCause = 'command' | 'protection' | 'plc-cascade' | 'kj' | 'estop' | 'watchdog' | 'test';

export interface SimEvent {
  seq: number;
  at: number;
  kind: SimEventKind;
  /** machine, sensor or 'face' */
  source: string;
  by?: SimCause;
  detail?: string;
  /** on 'started': chain speed of the machine it discharges onto at that moment */
  downstreamSpeed?: number;
}

export interface SimMachine {
  readonly config: ResolvedMachine;
  running: boolean;
  startedAt: number;
  atSpeed: boolean;
  fault: boolean;
  faultCause: string;
  remote: boolean;
  lockout: boolean;
  estop: boolean;
  motorCurrentA: number;
  windingTempC: number;
  chainSpeed: number;
  /** a pending overcurrent shows its spike for one tick before the trip */
  overcurrentUntil: number | null;
}

export interface SimSensor {
  id: string;
  pct: number;
  lost: boolean;
  cut: boolean;
}

export interface CommandOutcome {
  accepted: boolean;
  reason: string;
}

export class SimPlant {
  readonly face: Face;
  readonly options: PhysicsOptions;
  readonly machines = new Map<string, SimMachine>();
  readonly sensors = new Map<string, SimSensor>();
  readonly events: SimEvent[] = [];
  /** Told of each event as it is logged (a test acting at an exact point of a sequence). */
  readonly listeners = new Set<(e: SimEvent) => void>();
  estopLatched = false;
  #lastHeartbeatAt: number | null = null;
  #lastTickAt: number;
  #seq = 0;

  constructor(config: FaceConfig, options: Partial<PhysicsOptions>, now: number) {
    this.face = buildFace(config);
    this.options = { ...DEFAULT_PHYSICS, ...options };
    this.#lastTickAt = now;
    for (const m of this.face.machines.values()) {
      this.machines.set(m.id, {
        config: m, running: false, startedAt: 0, atSpeed: false, fault: false, faultCause: '', remote: true, lockout: false,
        estop: false, motorCurrentA: 0, windingTempC: this.options.ambientC, chainSpeed: 0, overcurrentUntil: null,
      });
    }
    for (const s of this.face.sensors.values()) this.sensors.set(s.id, { id: s.id, pct: 0.2, lost: false, cut: false });
  }

  #log(at: number, kind: SimEventKind, source: string, by?: SimCause, detail?: string, downstreamSpeed?: number): void {
    const e: SimEvent = {
      seq: ++this.#seq, at, kind, source,
      ...(by ? { by } : {}), ...(detail ? { detail } : {}), ...(downstreamSpeed !== undefined ? { downstreamSpeed } : {}),
    };
    this.events.push(e);
    for (const l of this.listeners) l(e);
  }

  #machine(id: string): SimMachine {
    const m = this.machines.get(id);
    if (!m) throw new Error(`unknown machine "${id}"; machines: ${[...this.machines.keys()].join(', ')}`);
    return m;
  }

  #cutCovers(m: SimMachine): string | null {
    for (const s of this.sensors.values()) {
      const limits = this.face.sensors.get(s.id)!;
      if (s.cut && scopeCovers(limits.cutScope, m.config)) return s.id;
    }
    return null;
  }

  /** RunCmd: the PLC refuses what its interlocks forbid. */
  run(id: string, at: number): CommandOutcome {
    const m = this.#machine(id);
    const refuse = (reason: string): CommandOutcome => {
      this.#log(at, 'refused', id, 'command', reason);
      return { accepted: false, reason };
    };
    if (m.running) return { accepted: true, reason: 'already running' };
    if (this.estopLatched) return refuse('face emergency stop latched');
    if (!m.remote) return refuse('not in remote mode');
    if (m.lockout) return refuse('locked out');
    if (m.estop) return refuse('pull-cord tripped');
    if (m.fault) return refuse(`fault: ${m.faultCause}`);
    const cut = this.#cutCovers(m);
    if (cut) return refuse(`methane power cut by ${cut}`);
    const target = m.config.dischargesOnto;
    if (target !== null && !this.#machine(target).running) return refuse(`interlock: ${target} is stopped`);
    m.running = true;
    m.startedAt = at;
    m.atSpeed = false;
    // the contactor closes now: the start current flows before the next physics step
    m.motorCurrentA = m.config.ratedCurrentA * this.options.inrushFactor;
    this.#log(at, 'started', id, 'command', undefined, target === null ? undefined : this.#machine(target).chainSpeed);
    return { accepted: true, reason: '' };
  }

  stop(id: string, at: number, by: SimCause = 'command', detail?: string): CommandOutcome {
    const m = this.#machine(id);
    if (!m.running) return { accepted: true, reason: 'already stopped' };
    m.running = false;
    m.atSpeed = false;
    this.#log(at, 'stopped', id, by, detail);
    return { accepted: true, reason: '' };
  }

  /** A protection trip: the machine stops and the PLC stops everything upstream at once. */
  #trip(id: string, at: number, by: SimCause, detail: string): void {
    this.stop(id, at, by, detail);
    if (!this.options.plcCascade) return;
    for (const up of upstreamOf(this.face, id)) this.stop(up, at, 'plc-cascade', `${id}: ${detail}`);
  }

  emergencyStop(at: number): void {
    this.estopLatched = true;
    this.#log(at, 'estop', 'face', 'estop');
    for (const id of this.face.stopOrder) this.stop(id, at, 'estop');
  }

  resetEmergencyStop(at: number): void {
    if (!this.estopLatched) return;
    this.estopLatched = false;
    this.#log(at, 'estop-reset', 'face', 'command');
  }

  injectFault(target: string, kind: FaultKind, at: number): void {
    if (kind === 'sensor-loss') {
      const s = this.sensors.get(target);
      if (!s) throw new Error(`sensor-loss needs a sensor id; sensors: ${[...this.sensors.keys()].join(', ')}`);
      s.lost = true;
      this.#log(at, 'fault', target, 'test', kind);
      this.#kj(at);
      return;
    }
    const m = this.#machine(target);
    this.#log(at, 'fault', target, 'test', kind);
    if (kind === 'pull-cord') {
      m.estop = true;
      this.#trip(target, at, 'protection', kind);
      return;
    }
    m.fault = true;
    m.faultCause = kind;
    if (kind === 'overcurrent' && m.running) {
      m.overcurrentUntil = at;
      m.motorCurrentA = m.config.ratedCurrentA * 2.5;
    }
    if (kind === 'chain-break') m.chainSpeed = 0;
    this.#trip(target, at, 'protection', kind);
  }

  clearFault(target: string, at: number): void {
    const s = this.sensors.get(target);
    if (s) {
      s.lost = false;
    } else {
      const m = this.#machine(target);
      m.fault = false;
      m.faultCause = '';
      m.estop = false;
    }
    this.#log(at, 'fault-cleared', target, 'test');
    this.#kj(at);
  }

  setMethane(sensorId: string, pct: number, at: number): void {
    const s = this.sensors.get(sensorId);
    if (!s) throw new Error(`unknown sensor "${sensorId}"; sensors: ${[...this.sensors.keys()].join(', ')}`);
    if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new Error(`methane must be 0–100 %, got ${pct}`);
    s.pct = pct;
    this.#log(at, 'methane', sensorId, 'test', pct.toFixed(2));
    this.#kj(at);
  }

  setLockout(id: string, on: boolean): void {
    this.#machine(id).lockout = on;
  }

  setRemote(id: string, on: boolean): void {
    this.#machine(id).remote = on;
  }

  heartbeat(at: number): void {
    if (this.#lastHeartbeatAt === null) this.#log(at, 'heartbeat-first', 'face');
    this.#lastHeartbeatAt = at;
  }

  /** The KJ system: cut at ≥ cutPct (or a lost sensor), restore only below restorePct. */
  #kj(at: number): void {
    for (const s of this.sensors.values()) {
      const limits = this.face.sensors.get(s.id)!;
      if (!s.cut && (s.lost || s.pct >= limits.cutPct)) {
        s.cut = true;
        this.#log(at, 'kj-cut', s.id, 'kj', s.lost ? 'sensor lost' : `${s.pct.toFixed(2)} %`);
        for (const id of this.face.stopOrder) {
          const m = this.#machine(id);
          if (scopeCovers(limits.cutScope, m.config)) this.stop(id, at, 'kj', s.id);
        }
      } else if (s.cut && !s.lost && s.pct < limits.restorePct) {
        s.cut = false;
        this.#log(at, 'kj-restore', s.id, 'kj', `${s.pct.toFixed(2)} %`);
      }
    }
  }

  tick(now: number): void {
    const dt = Math.max(0, now - this.#lastTickAt);
    this.#lastTickAt = now;
    const o = this.options;
    if (o.watchdogMs > 0 && this.#lastHeartbeatAt !== null && now - this.#lastHeartbeatAt > o.watchdogMs) {
      const running = this.face.stopOrder.filter((id) => this.#machine(id).running);
      if (running.length) {
        this.#log(now, 'watchdog', 'face', 'watchdog', `no supervisor heartbeat for ${now - this.#lastHeartbeatAt} ms`);
        for (const id of running) this.stop(id, now, 'watchdog');
      }
    }
    for (const m of this.machines.values()) {
      const rated = m.config.ratedSpeed;
      if (m.overcurrentUntil !== null) {
        m.overcurrentUntil = null;
        continue;
      }
      if (m.running) {
        const elapsed = now - m.startedAt;
        m.chainSpeed = Math.min(rated, m.chainSpeed + (rated * dt) / o.rampMs);
        // deterministic load swing so the trends move without a random source
        const load = 0.65 + 0.08 * Math.sin(now / 1500 + m.config.ratedCurrentA);
        m.motorCurrentA = m.config.ratedCurrentA * (elapsed < o.inrushMs ? o.inrushFactor : load);
        if (!m.atSpeed && m.chainSpeed >= rated) {
          m.atSpeed = true;
          this.#log(now, 'at-speed', m.config.id);
        }
      } else {
        m.chainSpeed = m.fault && m.faultCause === 'chain-break' ? 0 : Math.max(0, m.chainSpeed - (rated * dt) / o.rampMs);
        m.motorCurrentA = 0;
      }
      const ratio = m.motorCurrentA / m.config.ratedCurrentA;
      const target = o.ambientC + (m.running ? 50 * Math.min(ratio, 1.5) ** 2 : 0);
      m.windingTempC += (target - m.windingTempC) * Math.min(1, dt / o.thermalTauMs);
    }
  }
}
