/**
 * A real OPC UA server (node-opcua) in front of the simulated face PLC. Node ids follow
 * `@shuzhi/mine`'s tag table: ns=<urn:shuzhi:sim:mine>;s=<machineId>.<Tag>, methods
 * <machineId>.RunCmd / <machineId>.StopCmd and Face.<Method>.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, StatusCodes, Variant,
} from 'node-opcua';
import type { UAObject, UAVariable, Namespace } from 'node-opcua';
import { FACE_OBJECT, FAULT_KINDS, MACHINE_TAGS, MINE_NAMESPACE_URI, defaultFaceConfig, nodeIds, withTimings } from '@shuzhi/mine';
import type { FaceConfig, FaultKind, MachineTag } from '@shuzhi/mine';
import { SimPlant } from './plant.ts';
import type { PhysicsOptions, SimEvent, SimMachine } from './plant.ts';

export interface MineSimulatorOptions {
  port: number;
  /** physics step; default 20 ms */
  tickMs?: number;
  face?: FaceConfig;
  physics?: Partial<PhysicsOptions>;
  /** PKI folder for the server certificate; default a fresh temp folder removed on stop */
  pkiFolder?: string;
  /**
   * What the PLC offers. Default `SignAndEncrypt` (Basic256Sha256 or Aes128_Sha256_RsaOaep) with a
   * trust list: a client whose certificate is not in `<pki>/trusted/certs` is refused and its
   * certificate filed under `<pki>/rejected`. `None` plays an old, unsecured PLC (tests only).
   */
  security?: SimSecurity;
  /** client certificates (DER) to trust from the start, e.g. the supervisor's */
  trustedClientCertificates?: Buffer[];
}

export type SimSecurity = 'SignAndEncrypt' | 'None';

export interface MineSimulator {
  endpoint: string;
  security: SimSecurity;
  /** the PLC's application certificate (DER) and its SHA-1 thumbprint, as a client sees them */
  certificate: Buffer;
  thumbprint: string;
  pkiFolder: string;
  /** puts a client certificate on the PLC's trust list (an engineer at the PLC does this) */
  trustClient(der: Buffer): Promise<void>;
  /** thumbprints of the client certificates the PLC has refused */
  rejectedClients(): string[];
  plant: SimPlant;
  /** everything that started, stopped, tripped or was refused, in order */
  events: SimEvent[];
  /**
   * Calls `listener` with each event as the plant logs it, until the returned function is called;
   * a listener that acts on the plant should defer (queueMicrotask): the event is mid-command.
   */
  onEvent(listener: (e: SimEvent) => void): () => void;
  injectFault(target: string, kind: FaultKind): void;
  clearFault(target: string): void;
  setMethane(sensorId: string, pct: number): void;
  setLockout(machineId: string, on: boolean): void;
  setRemote(machineId: string, on: boolean): void;
  stop(): Promise<void>;
}

const TAG_READERS = {
  Running: (m) => m.running,
  Fault: (m) => m.fault,
  FaultCause: (m) => m.faultCause,
  Remote: (m) => m.remote,
  Lockout: (m) => m.lockout,
  EStop: (m) => m.estop,
  MotorCurrent: (m) => Math.round(m.motorCurrentA * 10) / 10,
  WindingTemp: (m) => Math.round(m.windingTempC * 10) / 10,
  ChainSpeed: (m) => Math.round(m.chainSpeed * 1000) / 1000,
} as const satisfies Record<MachineTag, (m: SimMachine) => boolean | number | string>;

function variant(dataType: 'Boolean' | 'Double' | 'String' | 'UInt32', value: unknown): Variant {
  return new Variant({ dataType: DataType[dataType], value });
}

function outcome(accepted: boolean, reason: string) {
  return {
    statusCode: StatusCodes.Good,
    outputArguments: [variant('Boolean', accepted), variant('String', reason)],
  };
}

const OUTCOME_ARGS = [
  { name: 'Accepted', dataType: DataType.Boolean },
  { name: 'Reason', dataType: DataType.String },
];

const sha1 = (der: Buffer) => createHash('sha1').update(der).digest('hex');
const pemToDer = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

export async function startMineSimulator(options: MineSimulatorOptions): Promise<MineSimulator> {
  const tickMs = options.tickMs ?? 20;
  const faceConfig = options.face ?? withTimings(defaultFaceConfig(), {});
  const plant = new SimPlant(faceConfig, options.physics ?? {}, Date.now());
  const ownPki = options.pkiFolder === undefined;
  const pkiFolder = options.pkiFolder ?? mkdtempSync(join(tmpdir(), 'shuzhi-mine-sim-pki-'));

  const security = options.security ?? 'SignAndEncrypt';
  // a real PLC's trust list: unknown client certificates are refused, never accepted on first sight
  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: pkiFolder, automaticallyAcceptUnknownCertificate: false });
  const server = new OPCUAServer({
    port: options.port,
    hostname: '127.0.0.1',
    resourcePath: '/UA/ShuzhiMine',
    buildInfo: { productName: 'Shuzhi mine face simulator', manufacturerName: 'Shuzhi' },
    serverCertificateManager,
    securityModes: security === 'None' ? [MessageSecurityMode.None] : [MessageSecurityMode.SignAndEncrypt],
    securityPolicies: security === 'None' ? [SecurityPolicy.None] : [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep],
    allowAnonymous: true,
  });
  await server.initialize();
  for (const der of options.trustedClientCertificates ?? []) await serverCertificateManager.trustCertificate(der);
  const certificate = Buffer.from(server.getCertificate());
  const addressSpace = server.engine.addressSpace!;
  const ns: Namespace = addressSpace.registerNamespace(MINE_NAMESPACE_URI);
  const objects = addressSpace.rootFolder.objects;

  const machineVars = new Map<string, Map<MachineTag, UAVariable>>();
  const lastValues = new Map<UAVariable, unknown>();

  for (const [id, m] of plant.machines) {
    const obj = ns.addObject({ organizedBy: objects, browseName: id, nodeId: `s=${nodeIds.machine(id)}`, displayName: m.config.name });
    const vars = new Map<MachineTag, UAVariable>();
    for (const [tag, spec] of Object.entries(MACHINE_TAGS) as [MachineTag, (typeof MACHINE_TAGS)[MachineTag]][]) {
      const v = ns.addVariable({
        componentOf: obj, browseName: tag, nodeId: `s=${nodeIds.machineTag(id, tag)}`, dataType: spec.dataType,
        minimumSamplingInterval: 0, value: variant(spec.dataType, TAG_READERS[tag](m)),
      });
      vars.set(tag, v);
    }
    machineVars.set(id, vars);
    for (const method of ['RunCmd', 'StopCmd'] as const) {
      const um = ns.addMethod(obj, { browseName: method, nodeId: `s=${nodeIds.machineMethod(id, method)}`, inputArguments: [], outputArguments: OUTCOME_ARGS });
      // node-opcua tells async functors from callback ones by their arity, which must be 2
      um.bindMethod(async (_args: Variant[], _context: unknown) => {
        const r = method === 'RunCmd' ? plant.run(id, Date.now()) : plant.stop(id, Date.now());
        publish();
        return outcome(r.accepted, r.reason);
      });
    }
  }

  const sensorVars = new Map<string, UAVariable>();
  for (const s of plant.face.sensors.values()) {
    const obj = ns.addObject({ organizedBy: objects, browseName: s.id, nodeId: `s=${nodeIds.sensor(s.id)}`, displayName: s.name });
    sensorVars.set(s.id, ns.addVariable({
      componentOf: obj, browseName: 'CH4', nodeId: `s=${nodeIds.sensorValue(s.id)}`, dataType: 'Double',
      minimumSamplingInterval: 0, value: variant('Double', plant.sensors.get(s.id)!.pct),
    }));
  }

  const face: UAObject = ns.addObject({ organizedBy: objects, browseName: FACE_OBJECT, nodeId: `s=${nodeIds.face()}` });
  const estopVar = ns.addVariable({ componentOf: face, browseName: 'EStopLatched', nodeId: `s=${nodeIds.faceTag('EStopLatched')}`, dataType: 'Boolean', minimumSamplingInterval: 0, value: variant('Boolean', false) });
  let heartbeat = 0;
  ns.addVariable({
    componentOf: face, browseName: 'Heartbeat', nodeId: `s=${nodeIds.faceTag('Heartbeat')}`, dataType: 'UInt32',
    accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite', minimumSamplingInterval: 100,
    value: {
      get: () => variant('UInt32', heartbeat),
      set: (v: Variant) => {
        heartbeat = Number(v.value);
        plant.heartbeat(Date.now());
        return StatusCodes.Good;
      },
    },
  });

  const faceMethod = (name: string, inputs: { name: string; dataType: DataType }[], fn: (args: Variant[]) => { accepted: boolean; reason: string }) => {
    const um = ns.addMethod(face, { browseName: name, nodeId: `s=${FACE_OBJECT}.${name}`, inputArguments: inputs, outputArguments: OUTCOME_ARGS });
    um.bindMethod(async (args: Variant[], _context: unknown) => {
      let r: { accepted: boolean; reason: string };
      try {
        r = fn(args);
      } catch (e) {
        r = { accepted: false, reason: (e as Error).message };
      }
      publish();
      return outcome(r.accepted, r.reason);
    });
  };
  const ok = { accepted: true, reason: '' };
  faceMethod('EmergencyStop', [], () => (plant.emergencyStop(Date.now()), ok));
  faceMethod('ResetEStop', [], () => (plant.resetEmergencyStop(Date.now()), ok));
  faceMethod('InjectFault', [{ name: 'Target', dataType: DataType.String }, { name: 'Fault', dataType: DataType.String }], ([t, f]) => {
    const kind = String(f?.value);
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) return { accepted: false, reason: `fault must be one of ${FAULT_KINDS.join(', ')}` };
    plant.injectFault(String(t?.value), kind as FaultKind, Date.now());
    return ok;
  });
  faceMethod('ClearFault', [{ name: 'Target', dataType: DataType.String }], ([t]) => (plant.clearFault(String(t?.value), Date.now()), ok));
  faceMethod('SetMethane', [{ name: 'SensorId', dataType: DataType.String }, { name: 'Percent', dataType: DataType.Double }], ([s, p]) => (
    plant.setMethane(String(s?.value), Number(p?.value), Date.now()), ok));

  /** Pushes changed values into the address space, so subscriptions see them right away. */
  function publish(): void {
    const set = (v: UAVariable, dataType: 'Boolean' | 'Double' | 'String', value: unknown, bad = false) => {
      const key = bad ? 'BAD' : value;
      if (lastValues.get(v) === key) return;
      lastValues.set(v, key);
      v.setValueFromSource(variant(dataType, value), bad ? StatusCodes.BadSensorFailure : StatusCodes.Good);
    };
    for (const [id, vars] of machineVars) {
      const m = plant.machines.get(id)!;
      for (const [tag, v] of vars) set(v, MACHINE_TAGS[tag].dataType, TAG_READERS[tag](m));
    }
    for (const [id, v] of sensorVars) {
      const s = plant.sensors.get(id)!;
      set(v, 'Double', s.lost ? 0 : s.pct, s.lost);
    }
    set(estopVar, 'Boolean', plant.estopLatched);
  }

  await server.start();
  const timer = setInterval(() => {
    plant.tick(Date.now());
    publish();
  }, tickMs);

  const endpoint = `opc.tcp://127.0.0.1:${options.port}/UA/ShuzhiMine`;
  const act = (fn: () => void) => {
    fn();
    publish();
  };
  return {
    endpoint,
    security,
    certificate,
    thumbprint: sha1(certificate),
    pkiFolder,
    trustClient: (der) => serverCertificateManager.trustCertificate(der),
    rejectedClients: () => {
      const dir = serverCertificateManager.rejectedFolder;
      return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.pem')).map((f) => sha1(pemToDer(readFileSync(join(dir, f), 'utf8')))) : [];
    },
    plant,
    events: plant.events,
    onEvent(listener) {
      plant.listeners.add(listener);
      return () => plant.listeners.delete(listener);
    },
    injectFault: (target, kind) => act(() => plant.injectFault(target, kind, Date.now())),
    clearFault: (target) => act(() => plant.clearFault(target, Date.now())),
    setMethane: (sensorId, pct) => act(() => plant.setMethane(sensorId, pct, Date.now())),
    setLockout: (id, on) => act(() => plant.setLockout(id, on)),
    setRemote: (id, on) => act(() => plant.setRemote(id, on)),
    async stop() {
      clearInterval(timer);
      await server.shutdown(0);
      if (ownPki) rmSync(pkiFolder, { recursive: true, force: true });
    },
  };
}
