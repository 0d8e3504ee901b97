import type { ModuleFactory } from './module.ts';
import { billingModule } from './billing/module.ts';
import { dataModule } from './data/module.ts';
import { govModule } from './gov/module.ts';
import { mineModule } from './mine/module.ts';
import { plannerModule } from './planner/module.ts';
import { renderModule } from './render/module.ts';

/** The product modules, in start order. Each lives in its own folder; this list is the only shared edit. */
export const moduleFactories: readonly ModuleFactory[] = [billingModule, renderModule, govModule, mineModule, plannerModule, dataModule];
