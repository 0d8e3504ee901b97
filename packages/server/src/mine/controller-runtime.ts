import type { Clock } from '@shuzhi/schema';
/**
 * Runs one face's pure controller (`FaceStateMachine` of @shuzhi/mine) against a real PLC over
 * OPC UA: feeds it telemetry, real-time ticks, operator commands and connection changes, and
 * sends the commands it returns, one at a time and in order. It has no HTTP or database:
 * whoever owns it wires the sinks (audit log, alarm store, SSE, trends).
 */
import { FaceStateMachine, MineError, buildFace } from '@shuzhi/mine';
import type {
  Alarm, AlarmChange, ControllerEvent, Face, FaceConfig, FaceEvent, FaceStateView, OperatorCommand, PlantCommand, PlantSnapshot, StepResult,
} from '@shuzhi/mine';
import { MineOpcUaClient } from './opcua-client.ts';
import type { MineOpcUaClientOptions } from './opcua-client.ts';

export type { Clock } from '@shuzhi/schema';

export type AuditAction = 'start-sequence' | 'stop-sequence' | 'emergency-stop' | 'reset' | 'acknowledge' | 'silence' | 'plc-command';

/** One append-only audit row, after Ignition's AUDIT_EVENTS: who, what, on what, result. */
export interface AuditRecord {
  at: number;
  faceId: string;
  user: string;
  action: AuditAction;
  target: string;
  result: 'accepted' | 'rejected' | 'failed';
  code?: string;
  reason?: string;
  comment?: string;
  oldValue?: unknown;
  newValue?: unknown;
}

export interface FaceControllerOptions {
  face: FaceConfig | Face;
  endpoint: string;
  clock?: Clock;
  /** period of the controller's timer ticks; default 50 ms */
  tickMs?: number;
  /** period of the watchdog heartbeat written to the PLC; default 250 ms */
  heartbeatMs?: number;
  opcua?: Partial<Pick<MineOpcUaClientOptions, 'pki' | 'security' | 'pkiFolder' | 'publishingIntervalMs' | 'samplingIntervalMs' | 'staleAfterMs' | 'connectTimeoutMs' | 'reconnectMaxDelayMs'>>;
  onAudit?: (r: AuditRecord) => void;
  onAlarm?: (c: AlarmChange) => void;
  onTelemetry?: (s: PlantSnapshot) => void;
  onState?: (s: FaceStateView) => void;
  onEvent?: (e: FaceEvent) => void;
}

interface QueuedCommand {
  command: PlantCommand;
  done: () => void;
}

const AUDIT_ACTION = {
  start: 'start-sequence',
  stop: 'stop-sequence',
  estop: 'emergency-stop',
  reset: 'reset',
  acknowledge: 'acknowledge',
  silence: 'silence',
} as const satisfies Record<OperatorCommand['kind'], AuditAction>;

function isFace(f: FaceConfig | Face): f is Face {
  return f.machines instanceof Map;
}

export class FaceController {
  readonly face: Face;
  readonly #o: FaceControllerOptions;
  readonly #clock: Clock;
  readonly #engine: FaceStateMachine;
  readonly #client: MineOpcUaClient;
  #queue: QueuedCommand[] = [];
  #pumping = false;
  #tickTimer: NodeJS.Timeout | null = null;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #heartbeat = 0;
  #stateKey = '';
  /** the controller's own event log, newest last (bounded) */
  readonly events: FaceEvent[] = [];

  constructor(options: FaceControllerOptions) {
    this.#o = options;
    this.face = isFace(options.face) ? options.face : buildFace(options.face);
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#engine = new FaceStateMachine(this.face);
    this.#client = new MineOpcUaClient({
      endpoint: options.endpoint,
      face: this.face,
      ...options.opcua,
      onSnapshot: (snapshot) => {
        this.#feed({ type: 'telemetry', at: this.#clock.now(), snapshot });
        this.#o.onTelemetry?.(snapshot);
      },
      onConnection: (connected, reason) => this.#feed({ type: 'connection', at: this.#clock.now(), connected, reason }),
    });
  }

  /**
   * Connects and starts the timers. Throws MINE_OPCUA_CONNECT_FAILED when the PLC is unreachable, and
   * MINE_OPCUA_PLC_CERT_UNTRUSTED / _CLIENT_CERT_REJECTED / _SECURITY_UNSUPPORTED when the secure link cannot be made.
   */
  async connect(): Promise<void> {
    await this.#client.connect();
    const tickMs = this.#o.tickMs ?? 50;
    this.#tickTimer = setInterval(() => this.#feed({ type: 'tick', at: this.#clock.now() }), tickMs);
    const hbMs = this.#o.heartbeatMs ?? 250;
    this.#heartbeatTimer = setInterval(() => {
      if (!this.#client.connected) return;
      // a failed write is not reported here: the stale-data check of the client declares the loss
      this.#client.writeHeartbeat(++this.#heartbeat).catch(() => undefined);
    }, hbMs);
    this.#client.writeHeartbeat(++this.#heartbeat).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#tickTimer) clearInterval(this.#tickTimer);
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    this.#tickTimer = this.#heartbeatTimer = null;
    this.#queue = [];
    await this.#client.close();
  }

  state(): FaceStateView {
    return this.#engine.view();
  }

  alarms(): Alarm[] {
    return this.#engine.view().alarms;
  }

  alarmHistory(): Alarm[] {
    return this.#engine.alarmHistory();
  }

  /** Starts the start sequence; resolves once accepted (the sequence runs on). Throws MineError if refused. */
  startSequence(user: string): Promise<void> {
    return this.#operator({ kind: 'start', user });
  }

  stopSequence(user: string): Promise<void> {
    return this.#operator({ kind: 'stop', user });
  }

  /** Resolves once the e-stop has been sent to the PLC. Jumps every queued command. */
  emergencyStop(user: string): Promise<void> {
    return this.#operator({ kind: 'estop', user });
  }

  reset(user: string): Promise<void> {
    return this.#operator({ kind: 'reset', user });
  }

  acknowledge(alarmId: string, user: string, comment: string): Promise<void> {
    return this.#operator({ kind: 'acknowledge', alarmId, user, comment });
  }

  silence(alarmId: string, user: string): Promise<void> {
    return this.#operator({ kind: 'silence', alarmId, user });
  }

  async #operator(command: OperatorCommand): Promise<void> {
    const at = this.#clock.now();
    const before = this.#engine.view().mode;
    const { result, sent } = this.#feed({ type: 'command', at, command });
    const target = 'alarmId' in command ? command.alarmId : this.face.id;
    this.#audit({
      at, user: command.user, action: AUDIT_ACTION[command.kind], target,
      result: result.rejected ? 'rejected' : 'accepted',
      ...(result.rejected ? { code: result.rejected.code, reason: result.rejected.message } : {}),
      ...(command.kind === 'acknowledge' ? { comment: command.comment } : {}),
      oldValue: before, newValue: this.#engine.view().mode,
    });
    if (result.rejected) throw result.rejected;
    await sent;
  }

  #audit(r: Omit<AuditRecord, 'faceId'>): void {
    this.#o.onAudit?.({ faceId: this.face.id, ...r });
  }

  #feed(ev: ControllerEvent): { result: StepResult; sent: Promise<void> } {
    const result = this.#engine.handle(ev);
    for (const a of result.alarms) this.#o.onAlarm?.(a);
    for (const e of result.events) {
      this.events.push(e);
      if (this.events.length > 5000) this.events.shift();
      this.#o.onEvent?.(e);
    }
    const sent = this.#enqueue(result.commands);
    this.#emitStateIfChanged();
    return { result, sent };
  }

  #emitStateIfChanged(): void {
    if (!this.#o.onState) return;
    const v = this.#engine.view();
    const key = JSON.stringify([v.mode, v.connected, v.estopLatched, v.sequence?.machineId, v.sequence?.phase, v.cuts.length, v.alarms.map((a) => `${a.id}${a.active}${a.silenced}`)]);
    if (key === this.#stateKey) return;
    this.#stateKey = key;
    this.#o.onState(v);
  }

  #enqueue(commands: PlantCommand[]): Promise<void> {
    if (commands.length === 0) return Promise.resolve();
    // emergency stop always wins: whatever was still waiting to be sent is dropped
    if (commands.some((c) => c.kind === 'estop')) {
      for (const q of this.#queue) q.done();
      this.#queue = [];
    }
    const promises = commands.map((command) => new Promise<void>((done) => this.#queue.push({ command, done })));
    void this.#pump();
    return Promise.all(promises).then(() => undefined);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length) {
        const item = this.#queue.shift()!;
        await this.#send(item.command);
        item.done();
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #send(command: PlantCommand): Promise<void> {
    const at = this.#clock.now();
    const target = 'machineId' in command ? command.machineId : this.face.id;
    let accepted = false;
    let reason = '';
    let failed = false;
    try {
      const outcome =
        command.kind === 'start' ? await this.#client.callMachine(command.machineId, 'RunCmd')
        : command.kind === 'stop' ? await this.#client.callMachine(command.machineId, 'StopCmd')
        : command.kind === 'estop' ? await this.#client.callFace('EmergencyStop')
        : await this.#client.callFace('ResetEStop');
      accepted = outcome.accepted;
      reason = outcome.reason;
    } catch (e) {
      failed = true;
      reason = e instanceof MineError ? e.message : String(e);
    }
    this.#audit({
      at, user: command.user, action: 'plc-command', target, result: accepted ? 'accepted' : failed ? 'failed' : 'rejected',
      ...(reason ? { reason } : {}),
      newValue: command.kind,
    });
    this.#feed({ type: 'command-result', at: this.#clock.now(), command, accepted, reason });
  }
}
