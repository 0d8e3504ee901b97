import { AlarmBook } from './alarms.ts';
import type { Alarm, AlarmChange } from './alarms.ts';
import { MineError } from './errors.ts';
import type { MineErrorCode } from './errors.ts';
import type { Face } from './face.ts';
import { upstreamOf } from './face.ts';
import { canStart, checkSequence } from './interlocks.ts';
import type { PreconditionFailure } from './interlocks.ts';
import type { CutState } from './methane.ts';
import { cutsCovering, describeCut, isMethaneAlarm, nextCut } from './methane.ts';
import { scopeCovers } from './equipment.ts';
import type { MachineTelemetry, PlantSnapshot } from './telemetry.ts';
import { emptySnapshot } from './telemetry.ts';

export type FaceMode = 'idle' | 'starting' | 'running' | 'stopping' | 'tripped' | 'estopped' | 'safe';

export type OperatorCommand =
  | { kind: 'start'; user: string }
  | { kind: 'stop'; user: string }
  | { kind: 'estop'; user: string }
  | { kind: 'reset'; user: string }
  | { kind: 'acknowledge'; user: string; alarmId: string; comment: string }
  | { kind: 'silence'; user: string; alarmId: string };

/** What the runtime must send to the PLC, in this order. */
export type PlantCommand =
  | { kind: 'start'; machineId: string; user: string }
  | { kind: 'stop'; machineId: string; user: string; reason: string }
  | { kind: 'estop'; user: string }
  | { kind: 'reset-estop'; user: string };

export type ControllerEvent =
  | { type: 'telemetry'; at: number; snapshot: PlantSnapshot }
  | { type: 'tick'; at: number }
  | { type: 'command'; at: number; command: OperatorCommand }
  | { type: 'command-result'; at: number; command: PlantCommand; accepted: boolean; reason: string }
  | { type: 'connection'; at: number; connected: boolean; reason: string };

export type FaceEventType =
  | 'sequence-started' | 'warning' | 'start-commanded' | 'machine-confirmed' | 'sequence-complete'
  | 'sequence-aborted' | 'stop-commanded' | 'trip' | 'methane-power-cut' | 'methane-power-restored'
  | 'emergency-stop' | 'reset' | 'connection-lost' | 'connection-restored' | 'command-refused' | 'acknowledged' | 'silenced';

export interface FaceEvent {
  at: number;
  type: FaceEventType;
  message: string;
  machineId?: string;
  user?: string;
}

export interface StepResult {
  commands: PlantCommand[];
  alarms: AlarmChange[];
  events: FaceEvent[];
  /** set when an operator command was refused; nothing else happened */
  rejected?: MineError;
}

type StartSequence = {
  kind: 'start';
  user: string;
  queue: string[];
  index: number;
  phase: 'warning' | 'feedback';
  phaseEndsAt: number;
  started: string[];
};
type StopSequence = { kind: 'stop'; user: string; queue: string[]; nextAt: number; commanded: string[]; confirmBy: number | null };
type Sequence = StartSequence | StopSequence;

export interface SequenceView {
  kind: 'start' | 'stop';
  user: string;
  machineId: string | null;
  phase: 'warning' | 'feedback' | 'run-empty' | null;
  phaseEndsAt: number | null;
  remaining: string[];
  started: string[];
}

export interface FaceStateView {
  faceId: string;
  mode: FaceMode;
  connected: boolean;
  estopLatched: boolean;
  sequence: SequenceView | null;
  plant: PlantSnapshot;
  cuts: { sensorId: string; cause: string; since: number; reason: string }[];
  alarms: Alarm[];
  lastMessage: string;
}

/** Which operator commands each mode accepts; anything else is refused with the given code. */
const COMMAND_GATE = {
  idle: { start: null, stop: null, reset: null },
  starting: { start: 'MINE_SEQUENCE_BUSY', stop: null, reset: 'MINE_COMMAND_NOT_ALLOWED' },
  running: { start: null, stop: null, reset: null },
  stopping: { start: 'MINE_SEQUENCE_BUSY', stop: 'MINE_SEQUENCE_BUSY', reset: 'MINE_COMMAND_NOT_ALLOWED' },
  tripped: { start: null, stop: null, reset: null },
  estopped: { start: 'MINE_START_BLOCKED_ESTOP', stop: null, reset: null },
  safe: { start: 'MINE_START_BLOCKED_SAFE_STATE', stop: null, reset: null },
} as const satisfies Record<FaceMode, Record<'start' | 'stop' | 'reset', MineErrorCode | null>>;

const GATE_MESSAGES: Partial<Record<MineErrorCode, string>> = {
  MINE_SEQUENCE_BUSY: 'a sequence is already running; wait for it or stop it',
  MINE_START_BLOCKED_ESTOP: 'emergency stop is latched; reset it (after checking the face) before starting',
  MINE_START_BLOCKED_SAFE_STATE: 'the supervisor is in safe state after a connection loss; reset it once the connection is back',
  MINE_COMMAND_NOT_ALLOWED: 'not allowed now',
};

function isConfirmed(m: { minRunningCurrentA: number; minRunningSpeed: number }, t: MachineTelemetry | undefined): boolean {
  return !!t && t.running && t.motorCurrentA >= m.minRunningCurrentA && t.chainSpeed >= m.minRunningSpeed;
}

/**
 * The supervisory controller of one face as a pure state machine: events in (telemetry,
 * ticks carrying the time, operator commands, command results, connection changes),
 * commands/alarms/events out. It owns no timer and does no I/O; the PLC keeps the hard
 * interlocks and trips, this mirrors them, sequences the face and blocks unsafe starts.
 */
export class FaceStateMachine {
  readonly face: Face;
  #mode: FaceMode = 'idle';
  #connected = false;
  #everConnected = false;
  #estopLatched = false;
  #plant: PlantSnapshot = emptySnapshot();
  #cuts: CutState = {};
  #seq: Sequence | null = null;
  /** machines we told to stop (or that lost power to a cut): their stopping is no trip */
  #expectStopped = new Set<string>();
  #alarms: AlarmBook;
  #lastMessage = 'not connected yet';
  #out: StepResult = { commands: [], alarms: [], events: [] };

  constructor(face: Face) {
    this.face = face;
    this.#alarms = new AlarmBook(face.id);
  }

  handle(ev: ControllerEvent): StepResult {
    this.#out = { commands: [], alarms: [], events: [] };
    try {
      switch (ev.type) {
        case 'telemetry': this.#onTelemetry(ev.at, ev.snapshot); break;
        case 'tick': this.#onTick(ev.at); break;
        case 'command': this.#onCommand(ev.at, ev.command); break;
        case 'command-result': this.#onCommandResult(ev.at, ev.command, ev.accepted, ev.reason); break;
        case 'connection': this.#onConnection(ev.at, ev.connected, ev.reason); break;
      }
    } catch (e) {
      if (!(e instanceof MineError)) throw e;
      // a refused operator command changes nothing
      this.#out = { commands: [], alarms: [], events: [], rejected: e };
    }
    return this.#out;
  }

  view(): FaceStateView {
    return {
      faceId: this.face.id,
      mode: this.#mode,
      connected: this.#connected,
      estopLatched: this.#estopLatched,
      sequence: this.#seqView(),
      plant: structuredClone(this.#plant),
      cuts: Object.values(this.#cuts).filter((c) => c !== undefined).map((c) => ({ sensorId: c.sensorId, cause: c.cause, since: c.since, reason: describeCut(this.face, c) })),
      alarms: this.#alarms.open(),
      lastMessage: this.#lastMessage,
    };
  }

  alarmHistory(): Alarm[] {
    return this.#alarms.history();
  }

  // ---- outputs ----

  #event(at: number, type: FaceEventType, message: string, extra: { machineId?: string; user?: string } = {}): void {
    this.#lastMessage = message;
    this.#out.events.push({ at, type, message, ...extra });
  }

  #alarm(change: AlarmChange | null): void {
    if (change) this.#out.alarms.push(change);
  }

  #name(id: string): string {
    return this.face.machines.get(id)?.name ?? id;
  }

  /** Stops the given machines at once, in the given order (callers pass upstream first). */
  #stopNow(at: number, ids: readonly string[], user: string, reason: string): void {
    for (const id of ids) {
      this.#expectStopped.add(id);
      this.#out.commands.push({ kind: 'stop', machineId: id, user, reason });
      this.#event(at, 'stop-commanded', `stop ${this.#name(id)}: ${reason}`, { machineId: id, user });
    }
  }

  #isRunning(id: string): boolean {
    return this.#plant.machines[id]?.running === true;
  }

  // ---- operator commands ----

  #reject(code: MineErrorCode, message: string, fields: Record<string, unknown> = {}): never {
    throw new MineError(code, message, fields);
  }

  #gate(kind: 'start' | 'stop' | 'reset'): void {
    const code = COMMAND_GATE[this.#mode][kind];
    if (code !== null) this.#reject(code, `${kind} refused: ${GATE_MESSAGES[code] ?? code}`, { mode: this.#mode });
  }

  #onCommand(at: number, c: OperatorCommand): void {
    if (!c.user) this.#reject('MINE_USER_REQUIRED', 'every command needs the user who gives it');
    switch (c.kind) {
      case 'estop': return this.#emergencyStop(at, c.user);
      case 'start': return this.#startSequence(at, c.user);
      case 'stop': return this.#stopSequence(at, c.user);
      case 'reset': return this.#reset(at, c.user);
      case 'acknowledge': {
        const change = this.#alarms.acknowledge(c.alarmId, c.user, c.comment, at);
        this.#alarm(change);
        this.#event(at, 'acknowledged', `alarm ${c.alarmId} acknowledged by ${c.user}${c.comment ? `: ${c.comment}` : ''}`, { user: c.user });
        return;
      }
      case 'silence': {
        this.#alarm(this.#alarms.silence(c.alarmId, at));
        this.#event(at, 'silenced', `alarm ${c.alarmId} silenced by ${c.user}`, { user: c.user });
        return;
      }
    }
  }

  #requireConnection(what: string): void {
    if (!this.#connected) {
      this.#reject('MINE_NOT_CONNECTED', `${what} refused: no connection to the face PLC; use the hard-wired controls on site`);
    }
  }

  #startSequence(at: number, user: string): void {
    this.#requireConnection('start');
    this.#gate('start');
    // methane first: while a cut is latched its machines may still read "running" for a sample
    const methane = this.face.startOrder.flatMap((id) => cutsCovering(this.face, this.#cuts, this.face.machines.get(id)!));
    if (methane.length) {
      const reasons = [...new Set(methane.map((c) => describeCut(this.face, c)))];
      this.#reject('MINE_START_BLOCKED_METHANE', `start refused: ${reasons.join('; ')}`, { cuts: methane.map((c) => ({ ...c })) });
    }
    const queue = this.face.startOrder.filter((id) => !this.#isRunning(id));
    if (queue.length === 0) this.#reject('MINE_NOTHING_TO_START', 'every machine of the face is already running');
    const failures = checkSequence(this.face, queue, this.#plant, this.#cuts);
    if (failures.length) this.#reject('MINE_START_BLOCKED_INTERLOCK', `start refused: ${[...new Set(failures.map((f) => f.reason))].join('; ')}`, { failures });

    this.#seq = { kind: 'start', user, queue, index: 0, phase: 'warning', phaseEndsAt: at, started: [] };
    this.#mode = 'starting';
    this.#event(at, 'sequence-started', `start sequence by ${user}: ${queue.map((id) => this.#name(id)).join(' → ')}`, { user });
    this.#beginStep(at);
  }

  #stopSequence(at: number, user: string): void {
    this.#requireConnection('stop');
    this.#gate('stop');
    if (this.#seq?.kind === 'start') {
      this.#event(at, 'sequence-aborted', `start sequence cancelled by ${user}`, { user });
    }
    const pending = this.#seq?.kind === 'start' && this.#seq.phase === 'feedback' ? this.#seq.queue[this.#seq.index] : undefined;
    const queue = this.face.stopOrder.filter((id) => this.#isRunning(id) || id === pending);
    this.#seq = null;
    if (queue.length === 0) {
      this.#mode = 'idle';
      this.#event(at, 'sequence-complete', 'nothing is running; face idle', { user });
      return;
    }
    this.#seq = { kind: 'stop', user, queue, nextAt: at, commanded: [], confirmBy: null };
    this.#mode = 'stopping';
    this.#event(at, 'sequence-started', `stop sequence by ${user}: ${queue.map((id) => this.#name(id)).join(' → ')}`, { user });
    this.#advanceStop(at);
  }

  #emergencyStop(at: number, user: string): void {
    // no gate: an emergency stop is accepted in every mode
    this.#seq = null;
    this.#mode = 'estopped';
    this.#estopLatched = true;
    this.#out.commands.push({ kind: 'estop', user });
    for (const id of this.face.stopOrder) {
      this.#expectStopped.add(id);
      this.#out.commands.push({ kind: 'stop', machineId: id, user, reason: 'emergency stop' });
    }
    this.#alarm(this.#alarms.condition('EMERGENCY_STOP', this.face.id, true, `emergency stop by ${user}`, at));
    this.#event(at, 'emergency-stop', `EMERGENCY STOP by ${user}: every machine stopped at once`, { user });
  }

  #reset(at: number, user: string): void {
    this.#requireConnection('reset');
    this.#gate('reset');
    if (this.#estopLatched) {
      this.#estopLatched = false;
      this.#out.commands.push({ kind: 'reset-estop', user });
      this.#alarm(this.#alarms.condition('EMERGENCY_STOP', this.face.id, false, '', at));
    }
    this.#mode = this.face.startOrder.every((id) => this.#isRunning(id)) ? 'running' : 'idle';
    this.#event(at, 'reset', `reset by ${user}; face ${this.#mode}`, { user });
  }

  // ---- sequences ----

  #seqView(): SequenceView | null {
    const s = this.#seq;
    if (!s) return null;
    if (s.kind === 'start') {
      return { kind: 'start', user: s.user, machineId: s.queue[s.index] ?? null, phase: s.phase, phaseEndsAt: s.phaseEndsAt, remaining: s.queue.slice(s.index), started: [...s.started] };
    }
    return s.queue.length
      ? { kind: 'stop', user: s.user, machineId: s.queue[0] ?? null, phase: 'run-empty', phaseEndsAt: s.nextAt, remaining: [...s.queue], started: [] }
      : { kind: 'stop', user: s.user, machineId: null, phase: 'feedback', phaseEndsAt: s.confirmBy, remaining: [], started: [] };
  }

  /** Step 1–2 for the current machine: check preconditions, then sound the warning. */
  #beginStep(at: number): void {
    const s = this.#seq;
    if (s?.kind !== 'start') return;
    const id = s.queue[s.index];
    if (id === undefined) {
      this.#seq = null;
      this.#mode = 'running';
      this.#event(at, 'sequence-complete', `face running: ${s.started.map((x) => this.#name(x)).join(', ')} started by ${s.user}`, { user: s.user });
      return;
    }
    const check = canStart(this.face, id, this.#plant, this.#cuts, s.started);
    if (!check.ok) return this.#abortStart(at, `${this.#name(id)} cannot start: ${reasons(check.failures)}`);
    const m = this.face.machines.get(id)!;
    s.phase = 'warning';
    s.phaseEndsAt = at + m.warningMs;
    this.#event(at, 'warning', `pre-start warning for ${m.name} (${m.warningMs} ms, audible and visual)`, { machineId: id, user: s.user });
  }

  /** Step 3: the warning is over; check again and command the start. */
  #commandStart(at: number): void {
    const s = this.#seq;
    if (s?.kind !== 'start') return;
    const id = s.queue[s.index]!;
    const check = canStart(this.face, id, this.#plant, this.#cuts, s.started);
    if (!check.ok) return this.#abortStart(at, `${this.#name(id)} cannot start: ${reasons(check.failures)}`);
    const m = this.face.machines.get(id)!;
    s.phase = 'feedback';
    s.phaseEndsAt = at + m.feedbackTimeoutMs;
    this.#expectStopped.delete(id);
    this.#out.commands.push({ kind: 'start', machineId: id, user: s.user });
    this.#event(at, 'start-commanded', `start ${m.name}`, { machineId: id, user: s.user });
  }

  /** Step 5: stop what this sequence started (and the machine being started), upstream first. */
  #abortStart(at: number, reason: string): void {
    const s = this.#seq;
    if (s?.kind !== 'start') return;
    const current = s.phase === 'feedback' ? s.queue[s.index] : undefined;
    const toStop = [...s.started, ...(current ? [current] : [])].reverse();
    this.#seq = null;
    this.#mode = 'tripped';
    this.#alarm(this.#alarms.event('SEQUENCE_ABORTED', this.face.id, `start sequence aborted: ${reason}`, at));
    this.#event(at, 'sequence-aborted', `start sequence aborted: ${reason}`, { user: s.user });
    this.#stopNow(at, toStop, s.user, `start sequence aborted: ${reason}`);
  }

  #advanceStop(at: number): void {
    const s = this.#seq;
    if (s?.kind !== 'stop') return;
    while (s.queue.length && at >= s.nextAt) {
      const id = s.queue.shift()!;
      s.commanded.push(id);
      this.#stopNow(at, [id], s.user, 'stop sequence');
      const next = s.queue[0];
      // the next machine keeps running until what the stopped one carried has passed
      if (next !== undefined) s.nextAt = at + this.face.machines.get(next)!.runEmptyMs;
    }
    if (s.queue.length) return;
    // done only when the PLC reports every machine stopped, so a following start sees the truth
    s.confirmBy ??= at + Math.max(...s.commanded.map((id) => this.face.machines.get(id)!.feedbackTimeoutMs), 0);
    const still = s.commanded.filter((id) => this.#isRunning(id));
    if (still.length && at < s.confirmBy) return;
    this.#seq = null;
    this.#mode = still.length ? 'tripped' : 'idle';
    if (still.length) {
      const message = `stop not confirmed: ${still.map((id) => this.#name(id)).join(', ')} still report running`;
      this.#alarm(this.#alarms.event('STOP_NOT_CONFIRMED', this.face.id, message, at));
      this.#event(at, 'sequence-aborted', message, { user: s.user });
    } else {
      this.#event(at, 'sequence-complete', `face stopped by ${s.user}`, { user: s.user });
    }
  }

  #onTick(at: number): void {
    const s = this.#seq;
    if (!s) return;
    if (s.kind === 'stop') return this.#advanceStop(at);
    if (at < s.phaseEndsAt) return;
    if (s.phase === 'warning') return this.#commandStart(at);
    const id = s.queue[s.index]!;
    const m = this.face.machines.get(id)!;
    const t = this.#plant.machines[id];
    this.#abortStart(at, `no running feedback from ${m.name} within ${m.feedbackTimeoutMs} ms (running ${t?.running ?? '?'}, current ${t?.motorCurrentA.toFixed(0) ?? '?'} A, speed ${t?.chainSpeed.toFixed(2) ?? '?'})`);
  }

  #onCommandResult(at: number, c: PlantCommand, accepted: boolean, reason: string): void {
    if (accepted) return;
    const target = 'machineId' in c ? c.machineId : this.face.id;
    const message = `PLC refused ${c.kind} of ${'machineId' in c ? this.#name(c.machineId) : 'the face'}: ${reason}`;
    this.#alarm(this.#alarms.event('COMMAND_REFUSED', target, message, at));
    this.#event(at, 'command-refused', message, { ...('machineId' in c ? { machineId: c.machineId } : {}), user: c.user });
    const s = this.#seq;
    if (c.kind === 'start' && s?.kind === 'start' && s.queue[s.index] === c.machineId && s.phase === 'feedback') {
      this.#abortStart(at, message);
    }
  }

  #onConnection(at: number, connected: boolean, reason: string): void {
    if (connected === this.#connected) return;
    this.#connected = connected;
    if (!connected) {
      this.#seq = null;
      this.#mode = 'safe';
      this.#plant = emptySnapshot();
      this.#alarm(this.#alarms.condition('COMM_LOST', this.face.id, true, `connection to face PLC lost: ${reason}`, at));
      this.#event(at, 'connection-lost', `connection to face PLC lost (${reason}): safe state — sequences cancelled, no commands can be sent, starts refused; the PLC watchdog stops the face`);
      return;
    }
    this.#alarm(this.#alarms.condition('COMM_LOST', this.face.id, false, '', at));
    const wasFirst = !this.#everConnected;
    this.#everConnected = true;
    this.#event(at, 'connection-restored', wasFirst ? 'connected to face PLC' : 'connection to face PLC restored; supervisor stays in safe state until reset');
  }

  // ---- telemetry: mirror the plant, detect trips, run methane rules ----

  #onTelemetry(at: number, snapshot: PlantSnapshot): void {
    if (!this.#connected) return;
    const prev = this.#plant;
    this.#plant = structuredClone(snapshot);
    this.#estopFromPlc(at, prev, snapshot);
    this.#methane(at);
    this.#conditionAlarms(at);
    this.#detectTrips(at, prev);
    this.#confirmStep(at);
    if (this.#seq?.kind === 'stop') this.#advanceStop(at);
  }

  #estopFromPlc(at: number, prev: PlantSnapshot, snapshot: PlantSnapshot): void {
    // only a rising edge: after our reset the PLC latch may still read true for a sample
    if (snapshot.estopLatched && !prev.estopLatched && !this.#estopLatched) {
      this.#estopLatched = true;
      this.#seq = null;
      this.#mode = 'estopped';
      for (const id of this.face.machines.keys()) this.#expectStopped.add(id);
      this.#alarm(this.#alarms.condition('EMERGENCY_STOP', this.face.id, true, 'emergency stop latched at the PLC', at));
      this.#event(at, 'emergency-stop', 'emergency stop latched at the PLC');
    }
  }

  #methane(at: number): void {
    for (const sensor of this.face.sensors.values()) {
      const reading = this.#plant.sensors[sensor.id];
      const before = this.#cuts[sensor.id];
      const after = nextCut(sensor, reading, before, at);
      this.#cuts[sensor.id] = after;
      if (after && !before) {
        const reason = describeCut(this.face, after);
        const covered = this.face.stopOrder.filter((id) => scopeCovers(sensor.cutScope, this.face.machines.get(id)!));
        this.#event(at, 'methane-power-cut', reason);
        const s = this.#seq;
        if (s?.kind === 'start' && s.queue.some((id) => covered.includes(id))) this.#abortStart(at, reason);
        if (s?.kind === 'stop') s.queue = s.queue.filter((id) => !covered.includes(id));
        // the KJ system cuts the power itself; the stop commands keep the PLC's run latches consistent
        const still = covered.filter((id) => this.#isRunning(id) && !this.#expectStopped.has(id));
        this.#stopNow(at, still, 'system', reason);
        for (const id of covered) this.#expectStopped.add(id);
        if (this.#mode === 'running') this.#mode = 'tripped';
      } else if (before && !after) {
        this.#event(at, 'methane-power-restored', `CH₄ at ${sensor.name} below ${sensor.restorePct} %: power may be restored; starts allowed again`);
      }
    }
  }

  #conditionAlarms(at: number): void {
    for (const sensor of this.face.sensors.values()) {
      const r = this.#plant.sensors[sensor.id];
      this.#alarm(this.#alarms.condition('CH4_HIGH', sensor.id, isMethaneAlarm(sensor, r), `${sensor.name} CH₄ ${r?.pct?.toFixed(2)} % ≥ ${sensor.alarmPct} %`, at));
      this.#alarm(this.#alarms.condition('SENSOR_LOST', sensor.id, r !== undefined && !r.ok, `${sensor.name} lost (bad status)`, at));
      const cut = this.#cuts[sensor.id];
      this.#alarm(this.#alarms.condition('CH4_POWER_CUT', sensor.id, cut !== undefined, cut ? describeCut(this.face, cut) : '', at));
    }
    for (const m of this.face.machines.values()) {
      const t = this.#plant.machines[m.id];
      this.#alarm(this.#alarms.condition('MACHINE_FAULT', m.id, !!t?.fault, `${m.name} fault: ${t?.faultCause || 'unknown'}`, at));
      this.#alarm(this.#alarms.condition('MACHINE_ESTOP', m.id, !!t?.estop, `${m.name} pull-cord / local e-stop tripped`, at));
    }
  }

  #detectTrips(at: number, prev: PlantSnapshot): void {
    // downstream first: when the PLC cascades a trip, the first machine found is the cause
    for (const id of this.face.startOrder) {
      const was = prev.machines[id];
      const now = this.#plant.machines[id];
      if (!was?.running || now?.running !== false) continue;
      if (this.#expectStopped.has(id)) continue;
      this.#expectStopped.add(id);
      const cause = now.fault ? now.faultCause || 'fault' : now.estop ? 'pull-cord / e-stop' : 'stopped without command';
      const message = `${this.#name(id)} tripped: ${cause}`;
      this.#alarm(this.#alarms.event('MACHINE_TRIP', id, message, at));
      this.#event(at, 'trip', message, { machineId: id });
      const s = this.#seq;
      if (s?.kind === 'start') {
        this.#abortStart(at, message);
        continue;
      }
      // a trip stops everything upstream at once; downstream runs empty (domain sheet §2, §3)
      const upstream = upstreamOf(this.face, id).filter((u) => this.#isRunning(u) && !this.#expectStopped.has(u));
      if (s?.kind === 'stop') s.queue = s.queue.filter((q) => q !== id && !upstream.includes(q));
      this.#stopNow(at, upstream, 'system', message);
      if (this.#mode === 'running') this.#mode = 'tripped';
    }
  }

  /** Step 4: the machine being started shows current and speed; go on with the next. */
  #confirmStep(at: number): void {
    const s = this.#seq;
    if (s?.kind !== 'start' || s.phase !== 'feedback') return;
    const id = s.queue[s.index]!;
    const m = this.face.machines.get(id)!;
    const t = this.#plant.machines[id];
    if (!isConfirmed(m, t)) return;
    s.started.push(id);
    s.index += 1;
    this.#event(at, 'machine-confirmed', `${m.name} running (${t!.motorCurrentA.toFixed(0)} A, speed ${t!.chainSpeed.toFixed(2)})`, { machineId: id, user: s.user });
    this.#beginStep(at);
  }
}

function reasons(f: PreconditionFailure[]): string {
  return [...new Set(f.map((x) => x.reason))].join('; ');
}
