import { fileURLToPath } from 'node:url';
import type { ModuleFactory, ServerModule } from '../module.ts';
import { ContractService } from './contracts.ts';
import { seedDataDemo, startDataDemo } from './demo.ts';
import { loadOrCreateSigningKey } from './keys.ts';
import { DataStore } from './plane/store.ts';
import { ProductService } from './products.ts';
import { DataReads } from './reads.ts';
import { dataRoutes } from './routes.ts';
import { UseService } from './uses.ts';

/** Agreed contracts past their end are marked expired this often (reads also sweep first). */
const EXPIRY_SWEEP_MS = 60_000;

export interface DataServerModule extends ServerModule {
  /** Available after init(); tests, the CLI and the bench drive the services directly. */
  products: ProductService;
  contracts: ContractService;
  uses: UseService;
  reads: DataReads;
  store: DataStore;
}

/** 数据要素× — a trusted data space: data products at one site, signed contracts, uses computed next to the data. */
export const dataModule: ModuleFactory = (ctx) => {
  let timer: NodeJS.Timeout | null = null;
  const store = new DataStore(ctx.config.dataDir);
  const m: DataServerModule = {
    name: 'data',
    migrationsFolder: fileURLToPath(new URL('../../drizzle/data', import.meta.url)),
    store,
    reads: new DataReads(ctx.db),
    products: undefined as unknown as ProductService,
    contracts: undefined as unknown as ContractService,
    uses: undefined as unknown as UseService,
    async init() {
      const key = await loadOrCreateSigningKey(ctx.db);
      m.uses = new UseService({ db: ctx.db, bus: ctx.bus, log: ctx.log, clock: ctx.clock, compute: ctx.compute, store });
      // Set here, not in start(): compute recovers the plane's tasks before this module starts.
      m.uses.attach();
      m.products = new ProductService({ db: ctx.db, bus: ctx.bus, clock: ctx.clock, store });
      m.contracts = new ContractService({ db: ctx.db, bus: ctx.bus, clock: ctx.clock, key, products: m.products, uses: m.uses });
    },
    routes: () => dataRoutes(m.products, m.contracts, m.uses, m.reads),
    async start() {
      await m.uses.start();
      timer = setInterval(() => {
        m.contracts.sweepExpired().catch((err: unknown) => ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'data: contract expiry sweep failed'));
      }, EXPIRY_SWEEP_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await m.uses.stop();
    },
    seedDemo: () => seedDataDemo(ctx, m),
    startDemo: () => startDataDemo(ctx, m),
  };
  return m;
};
