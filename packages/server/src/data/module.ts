import { fileURLToPath } from 'node:url';
import type { ModuleFactory, ServerModule } from '../module.ts';

/** 数据要素× — a trusted data space: data products at one site, signed contracts, uses computed next to the data. */
export const dataModule: ModuleFactory = (_ctx) => {
  const m: ServerModule = {
    name: 'data',
    migrationsFolder: fileURLToPath(new URL('../../drizzle/data', import.meta.url)),
  };
  return m;
};
