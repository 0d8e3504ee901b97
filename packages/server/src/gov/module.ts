import { fileURLToPath } from 'node:url';
import { createWorkingCalendar, seedRegistries, shanghaiDate } from '@shuzhi/gov';
import type { ModuleFactory, ServerModule } from '../module.ts';
import { CatalogueStore } from './catalogue-store.ts';
import { seedGovDemo } from './demo.ts';
import { loadOrCreateIssuerKey } from './issuer.ts';
import { RegistryStore } from './registry-store.ts';
import { govRoutes } from './routes.ts';
import { GovService, type GovDeps } from './service.ts';

const SLA_SWEEP_MS = 60_000;

export interface GovServerModule extends ServerModule {
  /** Available after init(); tests and the bench drive the service directly. */
  service: GovService;
  deps: GovDeps;
  catalogue: CatalogueStore;
  registry: RegistryStore;
}

/** 高效办成一件事: catalogue as data, registries, intake from every channel, back office, issuance, audit. */
export const govModule: ModuleFactory = (ctx) => {
  const catalogue = new CatalogueStore(ctx.db);
  const registry = new RegistryStore(ctx.db);
  let timer: NodeJS.Timeout | null = null;
  const m: GovServerModule = {
    name: 'gov',
    migrationsFolder: fileURLToPath(new URL('../../drizzle/gov', import.meta.url)),
    catalogue,
    registry,
    service: undefined as unknown as GovService,
    deps: undefined as unknown as GovDeps,
    async init() {
      await catalogue.seedIfEmpty();
      const clock = { now: () => Date.now() };
      // The base registries hold a few hundred synthetic, clearly fictional people and companies.
      if (await registry.isEmpty()) await registry.seed(seedRegistries({ households: 150, enterprises: 40, referenceDate: shanghaiDate(clock.now()) }));
      const key = await loadOrCreateIssuerKey(ctx.db);
      m.deps = { db: ctx.db, bus: ctx.bus, catalogue, registry, key, calendar: createWorkingCalendar(), clock };
      m.service = new GovService(m.deps);
    },
    routes: () => govRoutes(m.service, catalogue),
    async start() {
      timer = setInterval(() => {
        m.service.sweepSla().catch((err: unknown) => ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'gov SLA sweep failed'));
      }, SLA_SWEEP_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    seedDemo: () => seedGovDemo(ctx.auth, ctx.db, m.service),
  };
  return m;
};
