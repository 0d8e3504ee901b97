import type { ModuleRoute } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';

const PlanPage = lazyPage(() => import('./PlanPage.tsx'), 'PlanPage');

/**
 * The planner's page lives in the compute nav group (the lead's nav.ts), so this module exports its
 * routes (and its nav item in nav.ts of this folder) rather than a group of its own.
 */
export const plannerRoutes: readonly ModuleRoute[] = [{ pattern: '/compute/plan', render: () => <PlanPage /> }];
