import { fileURLToPath } from 'node:url';
import type { ModuleFactory, ServerModule } from '../module.ts';
import { plannerRoutes } from './routes.ts';
import { PlannerService } from './service.ts';

const migrationsFolder = fileURLToPath(new URL('../../drizzle/planner', import.meta.url));

/** The live planner: rolling-horizon plans that decide where and when the dispatcher starts each job. */
export const plannerModule: ModuleFactory = (ctx) => {
  const svc = new PlannerService(ctx.db, ctx.bus, ctx.compute, ctx.log, () => ctx.clock.now());
  const mod: ServerModule & { planner: PlannerService } = {
    name: 'planner',
    migrationsFolder,
    planner: svc,
    init: () => svc.init(),
    reload: () => svc.init(),
    routes: () => plannerRoutes(svc),
    start: async () => svc.start(),
    stop: () => svc.stop(),
    metrics(m) {
      const solve = m.histogram('shuzhi_planner_solve_seconds', 'Time the live planner\'s solver took per plan, by policy', ['policy'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20]);
      svc.onSolved = (seconds, policy) => solve.observe({ policy }, seconds);
    },
  };
  return mod;
};
