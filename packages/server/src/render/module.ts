import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModuleFactory, ServerModule } from '../module.ts';
import { RenderDemo } from './demo.ts';
import { RenderFarm } from './farm.ts';
import { limitsPowerRoutes } from './limits-power-routes.ts';
import { peerRoutes } from './peer-routes.ts';
import { renderRoutes } from './routes.ts';
import { renderWorkSource } from './worker-source.ts';
import { RenderStorage } from './storage.ts';

const migrationsFolder = fileURLToPath(new URL('../../drizzle/render', import.meta.url));

/** Whether an executable is on PATH (checked once; the farm page says which renderers are here). */
export function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
}

/** The render farm; its settings (SHUZHI_RENDER_*) are in the validated config (config.ts). */
export const renderModule: ModuleFactory = (ctx) => {
  const { config } = ctx;
  const storage = new RenderStorage(config.dataDir, config.SHUZHI_RENDER_SHARED_ROOTS.split(':').filter(Boolean));
  const farm = new RenderFarm(ctx.db, ctx.bus, ctx.log, ctx.compute.network, ctx.compute.externalWork, storage, {
    leaseMs: config.SHUZHI_LEASE_MS,
    heartbeatsPerSec: config.SHUZHI_HEARTBEAT_BUDGET,
    databaseKind: ctx.database.kind,
    clock: ctx.clock,
    siteId: config.SHUZHI_RENDER_SITE,
    verifyFrames: config.SHUZHI_RENDER_VERIFY_FRAMES !== '0',
    uploadQuotaBytes: config.SHUZHI_RENDER_UPLOAD_QUOTA_MB * 1024 * 1024,
    storeSlots: config.SHUZHI_RENDER_STORE_SLOTS,
    peerServes: config.SHUZHI_RENDER_PEER_SERVES,
  });
  let here: { blender: boolean; povray: boolean; ffmpeg: boolean } | null = null;
  const renderersHere = () => (here ??= { blender: onPath('blender'), povray: onPath('povray'), ffmpeg: onPath('ffmpeg') });
  const demo = new RenderDemo(ctx, farm, renderersHere);
  ctx.workers.register(renderWorkSource(farm));
  farm.writer.fence = ctx.fence;
  const mod: ServerModule & { farm: RenderFarm } = {
    name: 'render',
    migrationsFolder,
    farm,
    async init() {
      await farm.restore();
    },
    reload: () => farm.restore(),
    routes: () => renderRoutes(farm, ctx.compute.network, renderersHere, ctx.log).route('/', limitsPowerRoutes(farm.limits, farm.power)).route('/', peerRoutes(farm)),
    start: () => farm.start(),
    stop: () => farm.stop(),
    seedDemo: () => demo.seed(),
    startDemo: (baseUrl) => demo.start(baseUrl),
    stopDemo: () => demo.stop(),
    metrics(m) {
      m.counterOf('shuzhi_render_assignments_total', 'Render chunks handed to nodes', () => farm.counters.assigned);
      m.counterOf('shuzhi_render_completions_total', 'Render chunks completed', () => farm.counters.completed);
      m.counterOf('shuzhi_render_heartbeats_total', 'Render lease heartbeats absorbed', () => farm.counters.heartbeats);
      m.counterOf('shuzhi_render_syncs_total', 'Render node syncs answered', () => farm.counters.syncs);
      m.gauge('shuzhi_render_dispatcher', 'The render dispatcher now: nodes, parked polls, active leases, jobs', ['figure'], () => {
        const s = farm.dispatcherStats();
        return [
          { labels: { figure: 'nodes' }, value: s.nodes },
          { labels: { figure: 'parked' }, value: s.parked },
          { labels: { figure: 'leases' }, value: s.activeLeases },
          { labels: { figure: 'jobs' }, value: s.jobs },
        ];
      });
    },
  };
  return mod;
};
