/**
 * OPC UA I/O for one face: connect, subscribe to every tag of the face, keep a plant snapshot,
 * call the command methods and write the watchdog heartbeat. It knows nothing of sequences:
 * FaceController feeds what it reads into the pure state machine.
 */
import {
  AttributeIds, ClientMonitoredItemGroup, ClientSubscription, DataType, MessageSecurityMode, OPCUACertificateManager,
  OPCUAClient, SecurityPolicy, TimestampsToReturn, Variant,
} from 'node-opcua';
import type { ClientSession, DataValue } from 'node-opcua';
import { MACHINE_TAG_NAMES, MINE_NAMESPACE_URI, MineError, emptySnapshot, nodeIds } from '@shuzhi/mine';
import type { Face, FaceMethod, MachineMethod, MachineTag, MachineTelemetry, PlantSnapshot } from '@shuzhi/mine';
import { MINE_DEFAULT_SECURITY } from '@shuzhi/schema';
import type { MineLinkSecurity } from '@shuzhi/schema';
import { SUPERVISOR_APPLICATION_NAME, describeCertificate, firstDer, thumbprintOf } from './pki.ts';
import type { MinePki } from './pki.ts';

export interface MineOpcUaClientOptions {
  endpoint: string;
  face: Face;
  /** this server's certificate and trust list; without it, a bare store in `pkiFolder` (tests of the plain link) */
  pki?: MinePki;
  /** client PKI folder when no `pki` is given; default node-opcua's per-user folder */
  pkiFolder?: string;
  /** default SignAndEncrypt / Basic256Sha256; None only when the face is configured so */
  security?: MineLinkSecurity;
  publishingIntervalMs?: number;
  samplingIntervalMs?: number;
  /** no notification or keep-alive for this long counts as a lost connection (a silent link) */
  staleAfterMs?: number;
  connectTimeoutMs?: number;
  /** longest pause between reconnection attempts */
  reconnectMaxDelayMs?: number;
  onSnapshot: (snapshot: PlantSnapshot) => void;
  onConnection: (connected: boolean, reason: string) => void;
}

export interface CallOutcome {
  accepted: boolean;
  reason: string;
}

type TagRef =
  | { kind: 'machine'; machineId: string; tag: MachineTag }
  | { kind: 'sensor'; sensorId: string }
  | { kind: 'face-estop' };

const MACHINE_FIELDS = {
  Running: 'running',
  Fault: 'fault',
  FaultCause: 'faultCause',
  Remote: 'remote',
  Lockout: 'lockout',
  EStop: 'estop',
  MotorCurrent: 'motorCurrentA',
  WindingTemp: 'windingTempC',
  ChainSpeed: 'chainSpeed',
} as const satisfies Record<MachineTag, keyof MachineTelemetry>;

function blankMachine(): MachineTelemetry {
  return { running: false, fault: false, faultCause: '', remote: false, lockout: false, estop: false, motorCurrentA: 0, windingTempC: 0, chainSpeed: 0 };
}

/** The PLC answered OpenSecureChannel with a fault about our certificate (servers say BadSecurityChecksFailed to hide which check failed). */
function refusedByPlc(e: unknown): boolean {
  const status = (e as { statusCode?: { name?: string } }).statusCode?.name ?? '';
  const text = `${status} ${(e as Error).message ?? ''}`;
  return /BadSecurityChecksFailed|BadCertificate/.test(text);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export class MineOpcUaClient {
  readonly #o: Required<Omit<MineOpcUaClientOptions, 'pkiFolder' | 'pki' | 'security'>> & { pkiFolder?: string; pki?: MinePki; security: MineLinkSecurity };
  #client: OPCUAClient | null = null;
  #session: ClientSession | null = null;
  #subscription: ClientSubscription | null = null;
  #ns = 0;
  #refs: TagRef[] = [];
  /** per machine, which tags have been heard from: a machine counts as known only when all have */
  #seen = new Map<string, Set<MachineTag>>();
  #snapshot: PlantSnapshot = emptySnapshot();
  #connected = false;
  #lastHeardAt = 0;
  #staleTimer: NodeJS.Timeout | null = null;
  #flushQueued = false;
  #closing = false;

  constructor(options: MineOpcUaClientOptions) {
    this.#o = { publishingIntervalMs: 50, samplingIntervalMs: 20, staleAfterMs: 2000, connectTimeoutMs: 10_000, reconnectMaxDelayMs: 2000, security: MINE_DEFAULT_SECURITY, ...options };
  }

  #certificateManager(): OPCUACertificateManager | undefined {
    if (this.#o.pki) return this.#o.pki.cm;
    return this.#o.pkiFolder ? new OPCUACertificateManager({ rootFolder: this.#o.pkiFolder, automaticallyAcceptUnknownCertificate: false }) : undefined;
  }

  #clientIdentity() {
    const cm = this.#certificateManager();
    return {
      applicationName: SUPERVISOR_APPLICATION_NAME,
      // the PLC checks that the session's application URI is the one in our certificate
      ...(this.#o.pki ? { applicationUri: this.#o.pki.applicationUri } : {}),
      ...(cm ? { clientCertificateManager: cm } : {}),
    };
  }

  /**
   * Before a secure connection: asks the PLC for its endpoints (GetEndpoints is open to anyone, as
   * discovery must be), checks it offers the configured mode and policy, and checks its certificate
   * against our trust list. node-opcua would refuse an untrusted PLC too, but deep in its connect
   * with a log line; here the refusal becomes a typed error that names the certificate to trust.
   */
  async #checkPlc(sec: MineLinkSecurity): Promise<void> {
    const o = this.#o;
    const probe = OPCUAClient.create({
      ...this.#clientIdentity(),
      endpointMustExist: false,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    });
    let endpoints;
    try {
      await withTimeout(probe.connect(o.endpoint), o.connectTimeoutMs, `connect to ${o.endpoint}`);
      endpoints = await withTimeout(probe.getEndpoints(), o.connectTimeoutMs, 'GetEndpoints');
    } catch (e) {
      throw new MineError('MINE_OPCUA_CONNECT_FAILED', `cannot connect to face PLC at ${o.endpoint}: ${(e as Error).message}`, { endpoint: o.endpoint }, { cause: e });
    } finally {
      await withTimeout(probe.disconnect(), 2000, 'disconnect').catch(() => undefined);
    }
    const wanted = endpoints.find((e) => e.securityMode === MessageSecurityMode[sec.mode] && e.securityPolicyUri === SecurityPolicy[sec.policy]);
    if (!wanted) {
      const offered = [...new Set(endpoints.map((e) => `${MessageSecurityMode[e.securityMode]}/${(e.securityPolicyUri ?? '').split('#')[1] ?? '?'}`))].join(', ') || 'nothing';
      throw new MineError(
        'MINE_OPCUA_SECURITY_UNSUPPORTED',
        `the PLC at ${o.endpoint} does not offer ${sec.mode}/${sec.policy} (it offers ${offered}); turn that security on at the PLC, or set the face's security to what it offers — None only on an isolated test link, the HMI then warns`,
        { endpoint: o.endpoint, offered },
      );
    }
    const cert = wanted.serverCertificate;
    if (!cert || cert.length === 0) {
      throw new MineError('MINE_OPCUA_PLC_CERT_INVALID', `the PLC at ${o.endpoint} sent no certificate with its ${sec.mode} endpoint; give the PLC an application certificate`, { endpoint: o.endpoint, thumbprint: null });
    }
    const thumbprint = thumbprintOf(cert);
    const cm = this.#o.pki?.cm;
    if (!cm) return;
    const status = await cm.checkCertificate(firstDer(cert));
    if (status.isGood()) return;
    let subject = '';
    try {
      subject = ` (${describeCertificate(firstDer(cert), 'rejected').subject})`;
    } catch {
      // an unreadable certificate is still named by its thumbprint
    }
    if (status.name === 'BadCertificateUntrusted') {
      throw new MineError(
        'MINE_OPCUA_PLC_CERT_UNTRUSTED',
        `the PLC's certificate ${thumbprint}${subject} at ${o.endpoint} is not trusted; check it is this face's PLC, then trust it with \`shuzhi mine certs trust ${thumbprint}\` or on the face's Security panel`,
        { endpoint: o.endpoint, thumbprint },
      );
    }
    throw new MineError(
      'MINE_OPCUA_PLC_CERT_INVALID',
      `the PLC's certificate ${thumbprint}${subject} at ${o.endpoint} fails the check (${status.name}); renew or replace the PLC's certificate`,
      { endpoint: o.endpoint, thumbprint, status: status.name },
    );
  }

  get connected(): boolean {
    return this.#connected;
  }

  snapshot(): PlantSnapshot {
    return structuredClone(this.#snapshot);
  }

  async connect(): Promise<void> {
    const o = this.#o;
    const sec = o.security;
    if (sec.mode !== 'None') await this.#checkPlc(sec);
    const client = OPCUAClient.create({
      ...this.#clientIdentity(),
      endpointMustExist: false,
      securityMode: MessageSecurityMode[sec.mode],
      securityPolicy: SecurityPolicy[sec.policy],
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      // keep retrying after a loss; the supervisor stays in safe state meanwhile
      connectionStrategy: { initialDelay: Math.min(200, o.reconnectMaxDelayMs), maxDelay: o.reconnectMaxDelayMs, maxRetry: 1_000_000 },
    });
    this.#client = client;
    client.on('connection_lost', () => this.#lost('connection lost'));
    client.on('start_reconnection', () => this.#lost('connection lost, reconnecting'));
    client.on('connection_reestablished', () => void this.#restored());
    try {
      await withTimeout(client.connect(o.endpoint), o.connectTimeoutMs, `connect to ${o.endpoint}`);
      this.#session = await client.createSession();
      const nsArray = await this.#session.readNamespaceArray();
      this.#ns = nsArray.indexOf(MINE_NAMESPACE_URI);
      if (this.#ns < 0) {
        throw new MineError('MINE_OPCUA_NAMESPACE_MISSING', `${o.endpoint} has no namespace ${MINE_NAMESPACE_URI}; is it a Shuzhi face PLC?`, { endpoint: o.endpoint });
      }
      await this.#subscribe();
    } catch (e) {
      await this.#teardown();
      if (e instanceof MineError) throw e;
      if (sec.mode !== 'None' && refusedByPlc(e)) {
        const own = o.pki ? thumbprintOf(o.pki.ownDer()) : null;
        throw new MineError(
          'MINE_OPCUA_CLIENT_CERT_REJECTED',
          `the PLC at ${o.endpoint} refused this server's certificate${own ? ` ${own}` : ''} (${(e as Error).message.replace(/^.*: /, '')}); trust it on the PLC — \`shuzhi mine certs list\` prints it (PEM) to import into the PLC's trust list`,
          { endpoint: o.endpoint, thumbprint: own },
          { cause: e },
        );
      }
      throw new MineError('MINE_OPCUA_CONNECT_FAILED', `cannot connect to face PLC at ${o.endpoint}: ${(e as Error).message}`, { endpoint: o.endpoint }, { cause: e });
    }
    this.#lastHeardAt = Date.now();
    this.#connected = true;
    this.#staleTimer = setInterval(() => this.#checkStale(), Math.max(50, Math.floor(o.staleAfterMs / 4)));
    o.onConnection(true, `connected to ${o.endpoint}`);
  }

  #nodeId(s: string): string {
    return `ns=${this.#ns};s=${s}`;
  }

  async #subscribe(): Promise<void> {
    const face = this.#o.face;
    this.#refs = [];
    for (const id of face.machines.keys()) for (const tag of MACHINE_TAG_NAMES) this.#refs.push({ kind: 'machine', machineId: id, tag });
    for (const id of face.sensors.keys()) this.#refs.push({ kind: 'sensor', sensorId: id });
    this.#refs.push({ kind: 'face-estop' });

    const sub = ClientSubscription.create(this.#session!, {
      requestedPublishingInterval: this.#o.publishingIntervalMs,
      requestedLifetimeCount: 100,
      requestedMaxKeepAliveCount: 4,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    this.#subscription = sub;
    sub.on('keepalive', () => this.#heard());
    const items = this.#refs.map((r) => ({ nodeId: this.#nodeId(this.#refNode(r)), attributeId: AttributeIds.Value }));
    const group = ClientMonitoredItemGroup.create(sub, items, { samplingInterval: this.#o.samplingIntervalMs, discardOldest: true, queueSize: 10 }, TimestampsToReturn.Both);
    group.on('changed', (_item, dv: DataValue, index: number) => {
      const ref = this.#refs[index];
      if (ref) this.#apply(ref, dv);
      this.#heard();
      this.#queueFlush();
    });
    await new Promise<void>((resolve, reject) => {
      group.once('initialized', () => resolve());
      group.once('err', (m: string) => reject(new Error(m)));
    });
  }

  #refNode(r: TagRef): string {
    if (r.kind === 'machine') return nodeIds.machineTag(r.machineId, r.tag);
    if (r.kind === 'sensor') return nodeIds.sensorValue(r.sensorId);
    return nodeIds.faceTag('EStopLatched');
  }

  #apply(r: TagRef, dv: DataValue): void {
    const good = dv.statusCode.isGood();
    if (r.kind === 'sensor') {
      this.#snapshot.sensors[r.sensorId] = good ? { pct: Number(dv.value.value), ok: true } : { pct: null, ok: false };
      return;
    }
    if (r.kind === 'face-estop') {
      this.#snapshot.estopLatched = good ? Boolean(dv.value.value) : true;
      return;
    }
    const seen = this.#seen.get(r.machineId) ?? new Set<MachineTag>();
    this.#seen.set(r.machineId, seen);
    if (!good) return;
    seen.add(r.tag);
    const pending = this.#pending.get(r.machineId) ?? blankMachine();
    const field = MACHINE_FIELDS[r.tag];
    (pending as unknown as Record<string, unknown>)[field] = dv.value.value;
    this.#pending.set(r.machineId, pending);
    // a machine is reported only once every tag has a value, so no half-known state reaches the rules
    if (seen.size === MACHINE_TAG_NAMES.length) this.#snapshot.machines[r.machineId] = { ...pending };
  }

  #pending = new Map<string, MachineTelemetry>();

  /** Coalesces the burst of item changes of one publish into one snapshot. */
  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      if (this.#connected) this.#o.onSnapshot(this.snapshot());
    });
  }

  #heard(): void {
    this.#lastHeardAt = Date.now();
    // A link declared lost for silence whose session then speaks again was never broken at the
    // transport, so node-opcua will not announce a reconnection: restore it here (the supervisor
    // still stays in safe state until an operator resets it).
    if (this.#staleLost && !this.#connected && !this.#closing && !this.#restoring) void this.#restored();
  }

  /** set when the stale check (not the transport) declared the loss */
  #staleLost = false;
  #restoring = false;

  #checkStale(): void {
    if (!this.#connected) return;
    const silent = Date.now() - this.#lastHeardAt;
    if (silent > this.#o.staleAfterMs) {
      this.#lost(`no data or keep-alive from the PLC for ${silent} ms`);
      this.#staleLost = true;
    }
  }

  #lost(reason: string): void {
    if (!this.#connected || this.#closing) return;
    this.#connected = false;
    this.#snapshot = emptySnapshot();
    this.#seen.clear();
    this.#pending.clear();
    this.#o.onConnection(false, reason);
  }

  async #restored(): Promise<void> {
    if (this.#closing || !this.#session || this.#restoring) return;
    this.#restoring = true;
    try {
      // re-read everything: the subscription may not resend values that did not change
      const dvs = await this.#session.read(this.#refs.map((r) => ({ nodeId: this.#nodeId(this.#refNode(r)), attributeId: AttributeIds.Value })));
      dvs.forEach((dv, i) => this.#apply(this.#refs[i]!, dv));
      this.#lastHeardAt = Date.now();
      this.#connected = true;
      this.#staleLost = false;
      this.#o.onConnection(true, 'connection re-established');
      this.#queueFlush();
    } catch {
      // still broken; the next reconnection (or, after a silence, the next sign of life) tries again
    } finally {
      this.#restoring = false;
    }
  }

  #requireSession(): ClientSession {
    if (!this.#session || !this.#connected) {
      throw new MineError('MINE_NOT_CONNECTED', 'no connection to the face PLC', { endpoint: this.#o.endpoint });
    }
    return this.#session;
  }

  async #call(objectId: string, methodId: string, inputArguments: Variant[]): Promise<CallOutcome> {
    const session = this.#requireSession();
    let result;
    try {
      result = await withTimeout(session.call({ objectId: this.#nodeId(objectId), methodId: this.#nodeId(methodId), inputArguments }), 5000, methodId);
    } catch (e) {
      throw new MineError('MINE_OPCUA_CALL_FAILED', `call ${methodId} failed: ${(e as Error).message}`, { methodId }, { cause: e });
    }
    if (!result.statusCode.isGood()) {
      throw new MineError('MINE_OPCUA_CALL_FAILED', `call ${methodId} returned ${result.statusCode.name}`, { methodId, status: result.statusCode.name });
    }
    const [accepted, reason] = result.outputArguments ?? [];
    return { accepted: Boolean(accepted?.value), reason: String(reason?.value ?? '') };
  }

  callMachine(machineId: string, method: MachineMethod): Promise<CallOutcome> {
    return this.#call(nodeIds.machine(machineId), nodeIds.machineMethod(machineId, method), []);
  }

  callFace(method: FaceMethod, args: (string | number)[] = []): Promise<CallOutcome> {
    const inputs = args.map((a) => new Variant(typeof a === 'string' ? { dataType: DataType.String, value: a } : { dataType: DataType.Double, value: a }));
    return this.#call(nodeIds.face(), nodeIds.faceMethod(method), inputs);
  }

  async writeHeartbeat(n: number): Promise<void> {
    const session = this.#requireSession();
    const status = await withTimeout(
      session.write({ nodeId: this.#nodeId(nodeIds.faceTag('Heartbeat')), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.UInt32, value: n >>> 0 } } }),
      2000,
      'heartbeat write',
    );
    if (!status.isGood()) throw new MineError('MINE_OPCUA_CALL_FAILED', `heartbeat write returned ${status.name}`, {});
  }

  async #teardown(): Promise<void> {
    if (this.#staleTimer) clearInterval(this.#staleTimer);
    this.#staleTimer = null;
    const client = this.#client;
    const session = this.#session;
    this.#session = null;
    this.#subscription = null;
    this.#client = null;
    if (session) await withTimeout(session.close(true), 1000, 'session close').catch(() => undefined);
    if (client) await withTimeout(client.disconnect(), 2000, 'disconnect').catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#connected = false;
    await this.#teardown();
  }
}
