/**
 * Demo faces: one simulated face PLC per demo mine, started in-process on a free port, with slow
 * enough physics to watch and a gentle methane drift so the trends move. The link is the secure
 * default (SignAndEncrypt): the demo does what an engineer commissioning a face does — the PLC
 * trusts this server's certificate and this server trusts the PLC's — and nothing else.
 */
import { join } from 'node:path';
import { defaultFaceConfig, withTimings } from '@shuzhi/mine';
import type { MineFaceInput } from '@shuzhi/schema';
import type { MineSimulator } from '../../../../sim/mine/server.ts';
import type { Logger } from '../log.ts';
import { engineConfig } from './service.ts';
import type { Actor, MineService } from './service.ts';

export const DEMO_FACES = [
  { id: 'face-1', name: '准东01号煤矿 1201综放工作面', mineId: 'mine-01' },
  { id: 'face-2', name: '哈密02号煤矿 2103综采工作面', mineId: 'mine-02' },
] as const;

const SYSTEM: Actor = { userId: null, username: 'system', role: null, origin: 'demo' };

export function demoFaceInput(f: (typeof DEMO_FACES)[number], endpoint = 'opc.tcp://127.0.0.1:4840/UA/ShuzhiMine'): MineFaceInput {
  const config = withTimings(defaultFaceConfig({ id: f.id, name: f.name }), { warningMs: 2500, feedbackTimeoutMs: 15_000, runEmptyMs: 3000 });
  return { id: f.id, name: f.name, mineId: f.mineId, endpoint, config: { machines: config.machines, sensors: config.sensors } as MineFaceInput['config'] };
}

export class MineDemo {
  #sims: MineSimulator[] = [];
  #drift: NodeJS.Timeout | null = null;

  constructor(private readonly svc: MineService, private readonly log: Logger, private readonly dataDir: string) {}

  async seed(): Promise<string[]> {
    // Faces are loaded from the database only when the module starts, after seeding: a face a
    // previous start registered is found by its stored row, not in memory.
    for (const f of DEMO_FACES) {
      if (!(await this.svc.faceStored(f.id))) await this.svc.registerFace(demoFaceInput(f), SYSTEM);
    }
    return [
      `mine: ${DEMO_FACES.length} simulated longwall faces (OPC UA); HMI at /mine — mine-operator commands, mine-engineer changes settings`,
    ];
  }

  async start(): Promise<void> {
    const { startMineSimulator } = await import('../../../../sim/mine/server.ts');
    const { freePort } = await import('../../../../sim/free-port.ts');
    for (const f of DEMO_FACES) {
      if (!this.svc.hasFace(f.id)) continue;
      const pki = await this.svc.openPki();
      const port = await freePort();
      const sim = await startMineSimulator({
        port,
        tickMs: 50,
        face: engineConfig(f, this.svc.faceConfig(f.id)),
        physics: { rampMs: 1500, inrushMs: 500, watchdogMs: 5000 },
        // kept across restarts, so the trust given once stays valid
        pkiFolder: join(this.dataDir, 'pki', `demo-sim-${f.id}`),
        trustedClientCertificates: [pki.ownDer()],
      });
      await pki.trustDer(sim.certificate);
      this.#sims.push(sim);
      await this.svc.updateSettings(f.id, { endpoint: sim.endpoint }, SYSTEM);
      this.log.info({ face: f.id, endpoint: sim.endpoint, security: sim.security, plcThumbprint: sim.thumbprint }, 'mine demo face simulator started');
    }
    let phase = 0;
    this.#drift = setInterval(() => {
      phase += 1;
      this.#sims.forEach((sim, i) => {
        sim.setMethane('ch4T1', Math.round((0.35 + 0.15 * Math.sin(phase / 20 + i)) * 100) / 100);
        sim.setMethane('ch4T2', Math.round((0.3 + 0.1 * Math.sin(phase / 27 + i)) * 100) / 100);
        sim.setMethane('ch4Shearer', Math.round((0.4 + 0.2 * Math.sin(phase / 15 + i)) * 100) / 100);
      });
    }, 2000);
  }

  async stop(): Promise<void> {
    if (this.#drift) clearInterval(this.#drift);
    this.#drift = null;
    for (const s of this.#sims.splice(0)) await s.stop().catch(() => undefined);
  }
}
