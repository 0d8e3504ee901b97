import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RenderRunner, Worker, workDirProblem } from '@shuzhi/agent';
import { demoSandbox } from '../demo/sandbox.ts';
import type { Principal } from '../auth/principal.ts';
import type { ModuleContext } from '../module.ts';
import type { RenderFarm } from './farm.ts';

/** The CC0 test scenes shipped with the repository's shared data. */
const SHARED_DATA = fileURLToPath(new URL('../../../../../shared/data/render/', import.meta.url));
const DEMO_TENANT = 'karamay-studio';
const DEMO_USER = 'tenant2';

/**
 * Demo activity of the farm: a few embedded render nodes at the render site and, when a renderer is
 * installed here, a small POV-Ray (and Blender) job of the test scene so the farm page is alive.
 */
export class RenderDemo {
  private nodes: Worker[] = [];

  constructor(
    private readonly ctx: ModuleContext,
    private readonly farm: RenderFarm,
    private readonly here: () => { blender: boolean; povray: boolean; ffmpeg: boolean },
  ) {}

  private scenes(): { pov: string | null; blend: string | null } {
    const shared = join(this.farm.storage.root, 'shared');
    const copy = (name: string) => {
      const from = join(SHARED_DATA, name);
      const to = join(shared, name);
      if (!existsSync(to) && existsSync(from)) copyFileSync(from, to);
      return existsSync(to) ? to : null;
    };
    return { pov: copy('tiny_anim.pov'), blend: copy('tiny_anim.blend') };
  }

  async seed(): Promise<string[]> {
    this.scenes();
    const h = this.here();
    const n = this.nodeCount();
    if (!h.blender && !h.povray) {
      return [`  render farm: ${n} demo render nodes at ${this.farm.opts.siteId}; neither blender nor povray is installed here, so no demo render job runs (apt-get install blender povray ffmpeg)`];
    }
    const which = [h.povray ? 'POV-Ray' : null, h.blender ? 'Blender' : null].filter(Boolean).join(' + ');
    return [`  render farm: ${n} demo render nodes at ${this.farm.opts.siteId}; a ${which} job of the CC0 test scene (48 frames) for ${DEMO_USER} — see /render`];
  }

  private nodeCount(): number {
    return this.ctx.config.SHUZHI_RENDER_DEMO_NODES;
  }

  async start(baseUrl: string): Promise<void> {
    const { auth, config, log, workers } = this.ctx;
    const operator = await auth.byOperatorName();
    if (!operator) return;
    const box = await demoSandbox();
    if (!('sandbox' in box)) {
      log.warn({ reason: box.reason }, 'no sandbox for tenant scenes: the render demo runs no embedded render workers');
      return;
    }
    const problem = await workDirProblem(box.sandbox, config.workDir);
    if (problem) {
      log.warn({ problem }, 'the render demo runs no embedded render workers');
      return;
    }
    const site = this.farm.opts.siteId;
    const h = this.here();
    if (!h.blender && !h.povray && !h.ffmpeg) return;
    for (let i = 1; i <= this.nodeCount(); i++) {
      const name = `demo-render-${i}`;
      const { credential } = await workers.registry.ensureWorker(operator, site, name);
      const node = new Worker({
        server: baseUrl,
        credential,
        slots: 1,
        tags: ['demo'],
        workDir: join(config.workDir, name),
        runners: [
          new RenderRunner({
            renderers: [...(h.blender ? (['blender'] as const) : []), ...(h.povray ? (['povray'] as const) : [])],
            ffmpeg: h.ffmpeg,
            threads: 1,
          }),
        ],
        sandbox: box.sandbox,
        log: (m) => log.debug({ node: name }, m),
      });
      node.start();
      this.nodes.push(node);
    }
    await this.submitDemoJobs();
  }

  private async submitDemoJobs(): Promise<void> {
    const { auth, log } = this.ctx;
    const userId = await auth.userIdByName(DEMO_USER);
    if (!userId) return;
    const studio: Principal = { userId, username: DEMO_USER, displayName: DEMO_USER, role: 'tenant', tenantId: DEMO_TENANT, department: null, via: 'session' };
    if (this.farm.list(studio, { limit: 1, offset: 0 }).total > 0) return;
    const { pov, blend } = this.scenes();
    const h = this.here();
    try {
      if (h.povray && pov) {
        await this.farm.submit(studio, {
          name: 'POV-Ray orbit (demo) 轨道动画',
          scene: { kind: 'shared', path: pov },
          frames: '1-48',
          chunkSize: 8,
          renderer: 'povray',
          overrides: { resolutionX: 320, resolutionY: 180 },
          tags: ['demo'],
        });
      }
      if (h.blender && blend) {
        await this.farm.submit(studio, {
          name: 'Blender monkey (demo) 猴头动画',
          scene: { kind: 'shared', path: blend },
          frames: '1-48',
          chunkSize: 8,
          renderer: 'blender',
          tags: ['demo'],
        });
      }
    } catch (err) {
      log.warn({ err }, 'render demo job was not submitted');
    }
  }

  async stop(): Promise<void> {
    const nodes = this.nodes;
    this.nodes = [];
    await Promise.all(nodes.map((n) => n.stop()));
  }
}
