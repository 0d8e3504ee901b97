/**
 * A face PLC for the benchmark: the same OPC UA address space as sim/mine (tag table of
 * @shuzhi/mine), without physics — every analog tag and every CH4 reading changes once a second,
 * spread evenly over the second, carrying its change time (encoding.ts).
 */
import { DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, StatusCodes, Variant } from 'node-opcua';
import type { UAVariable } from 'node-opcua';
import { FACE_OBJECT, MACHINE_TAGS, MINE_NAMESPACE_URI, buildFace, nodeIds } from '@shuzhi/mine';
import type { FaceConfig, MachineTag } from '@shuzhi/mine';
import { encodeAnalog, encodeCh4 } from './encoding.ts';

const ANALOG: readonly MachineTag[] = ['MotorCurrent', 'WindingTemp', 'ChainSpeed'];
const STATIC = { Running: false, Fault: false, FaultCause: '', Remote: true, Lockout: false, EStop: false } as const;
const SLOTS = 20;

export interface BenchFace {
  endpoint: string;
  /** tags that change at 1 Hz */
  dynamicTags: number;
  stop(): Promise<void>;
}

export async function startBenchFace(opts: { port: number; face: FaceConfig; pkiFolder: string }): Promise<BenchFace> {
  const face = buildFace(opts.face);
  const server = new OPCUAServer({
    port: opts.port,
    hostname: '127.0.0.1',
    resourcePath: '/UA/ShuzhiMine',
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: opts.pkiFolder, automaticallyAcceptUnknownCertificate: true }),
    securityModes: [MessageSecurityMode.None],
    securityPolicies: [SecurityPolicy.None],
    allowAnonymous: true,
  });
  await server.initialize();
  const as = server.engine.addressSpace!;
  const ns = as.registerNamespace(MINE_NAMESPACE_URI);
  const objects = as.rootFolder.objects;
  const dynamic: { v: UAVariable; ch4: boolean }[] = [];
  for (const id of face.machines.keys()) {
    const obj = ns.addObject({ organizedBy: objects, browseName: id, nodeId: `s=${nodeIds.machine(id)}` });
    for (const [tag, spec] of Object.entries(MACHINE_TAGS) as [MachineTag, (typeof MACHINE_TAGS)[MachineTag]][]) {
      const initial = tag in STATIC ? STATIC[tag as keyof typeof STATIC] : 0;
      const v = ns.addVariable({ componentOf: obj, browseName: tag, nodeId: `s=${nodeIds.machineTag(id, tag)}`, dataType: spec.dataType, minimumSamplingInterval: 0, value: new Variant({ dataType: DataType[spec.dataType], value: initial }) });
      if (ANALOG.includes(tag)) dynamic.push({ v, ch4: false });
    }
  }
  for (const id of face.sensors.keys()) {
    const obj = ns.addObject({ organizedBy: objects, browseName: id, nodeId: `s=${nodeIds.sensor(id)}` });
    const v = ns.addVariable({ componentOf: obj, browseName: 'CH4', nodeId: `s=${nodeIds.sensorValue(id)}`, dataType: 'Double', minimumSamplingInterval: 0, value: new Variant({ dataType: DataType.Double, value: 0.1 }) });
    dynamic.push({ v, ch4: true });
  }
  const fo = ns.addObject({ organizedBy: objects, browseName: FACE_OBJECT, nodeId: `s=${nodeIds.face()}` });
  ns.addVariable({ componentOf: fo, browseName: 'EStopLatched', nodeId: `s=${nodeIds.faceTag('EStopLatched')}`, dataType: 'Boolean', minimumSamplingInterval: 0, value: new Variant({ dataType: DataType.Boolean, value: false }) });
  let hb = 0;
  ns.addVariable({
    componentOf: fo, browseName: 'Heartbeat', nodeId: `s=${nodeIds.faceTag('Heartbeat')}`, dataType: 'UInt32',
    accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite', minimumSamplingInterval: 100,
    value: { get: () => new Variant({ dataType: DataType.UInt32, value: hb }), set: (v: Variant) => ((hb = Number(v.value)), StatusCodes.Good) },
  });
  await server.start();
  let slot = 0;
  // each tag owns one of SLOTS slots per second, so the load is even instead of one burst a second
  const timer = setInterval(() => {
    const now = Date.now();
    dynamic.forEach((d, i) => {
      if (i % SLOTS !== slot) return;
      d.v.setValueFromSource(new Variant({ dataType: DataType.Double, value: d.ch4 ? encodeCh4(now) : encodeAnalog(now) }), StatusCodes.Good);
    });
    slot = (slot + 1) % SLOTS;
  }, 1000 / SLOTS);
  return {
    endpoint: `opc.tcp://127.0.0.1:${opts.port}/UA/ShuzhiMine`,
    dynamicTags: dynamic.length,
    async stop() {
      clearInterval(timer);
      await server.shutdown(0);
    },
  };
}
