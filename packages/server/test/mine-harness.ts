/** A simulator and a FaceController connected over real OPC UA, with short test timings. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFace, defaultFaceConfig, withTimings } from '@shuzhi/mine';
import type { AlarmChange, Face, FaceConfig, FaceEvent } from '@shuzhi/mine';
import { startMineSimulator } from '../../../sim/mine/server.ts';
import type { MineSimulator, MineSimulatorOptions } from '../../../sim/mine/server.ts';
import type { PhysicsOptions } from '../../../sim/mine/plant.ts';
import { freePort } from '../../../sim/free-port.ts';
import { FaceController } from '../src/mine/controller-runtime.ts';
import type { AuditRecord } from '../src/mine/controller-runtime.ts';
import { MinePki } from '../src/mine/pki.ts';
import type { MineService } from '../src/mine/service.ts';

/** The mine service of a started test platform. */
export function mineServiceOf(t: { p: { modules: readonly { name: string }[] } }): MineService {
  return (t.p.modules.find((m) => m.name === 'mine') as unknown as { service: MineService }).service;
}

/**
 * A simulated PLC that trusts the platform's certificate, and whose certificate the platform
 * trusts: the secure link (SignAndEncrypt) as an engineer would have set it up.
 */
export async function startTrustedSim(svc: Pick<MineService, 'openPki'>, options: MineSimulatorOptions): Promise<MineSimulator> {
  const pki = await svc.openPki();
  const sim = await startMineSimulator({ ...options, trustedClientCertificates: [pki.ownDer(), ...(options.trustedClientCertificates ?? [])] });
  await pki.trustDer(sim.certificate);
  return sim;
}

export interface Rig {
  sim: MineSimulator;
  controller: FaceController;
  face: Face;
  audit: AuditRecord[];
  alarms: AlarmChange[];
  events: FaceEvent[];
  close(): Promise<void>;
}

export async function waitFor(pred: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function testFace(patch: (c: FaceConfig) => FaceConfig = (c) => c): FaceConfig {
  return patch(withTimings(defaultFaceConfig(), { warningMs: 40, feedbackTimeoutMs: 3000, runEmptyMs: 40 }));
}

export async function startRig(options: {
  face?: FaceConfig;
  physics?: Partial<PhysicsOptions>;
  /** lets a test put something (a proxy) between controller and simulator */
  endpointFor?: (simEndpoint: string, simPort: number) => Promise<string>;
  staleAfterMs?: number;
} = {}): Promise<Rig> {
  const faceConfig = options.face ?? testFace();
  const port = await freePort();
  const pki = mkdtempSync(join(tmpdir(), 'shuzhi-mine-test-pki-'));
  const clientPki = await MinePki.open(join(pki, 'client'));
  const sim = await startTrustedSim({ openPki: async () => clientPki }, { port, tickMs: 10, face: faceConfig, physics: { rampMs: 80, inrushMs: 30, ...options.physics }, pkiFolder: join(pki, 'server') });
  const audit: AuditRecord[] = [];
  const alarms: AlarmChange[] = [];
  const events: FaceEvent[] = [];
  const endpoint = options.endpointFor ? await options.endpointFor(sim.endpoint, port) : sim.endpoint;
  const controller = new FaceController({
    face: faceConfig,
    endpoint,
    tickMs: 10,
    heartbeatMs: 50,
    opcua: { pki: clientPki, publishingIntervalMs: 20, samplingIntervalMs: 10, staleAfterMs: options.staleAfterMs ?? 1500, reconnectMaxDelayMs: 300 },
    onAudit: (r) => audit.push(r),
    onAlarm: (a) => alarms.push(a),
    onEvent: (e) => events.push(e),
  });
  await controller.connect();
  const face = buildFace(faceConfig);
  await waitFor(() => [...face.machines.keys()].every((id) => controller.state().plant.machines[id] !== undefined), 'first telemetry of every machine');
  return {
    sim, controller, face, audit, alarms, events,
    async close() {
      await controller.close();
      await sim.stop();
      await clientPki.close();
      rmSync(pki, { recursive: true, force: true });
    },
  };
}

/** Index of the first simulator event matching, or -1. */
export function indexOf(sim: MineSimulator, kind: string, source: string, from = 0): number {
  return sim.events.findIndex((e, i) => i >= from && e.kind === kind && e.source === source);
}
