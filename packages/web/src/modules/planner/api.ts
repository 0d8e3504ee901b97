import type { PlannerSettings } from '@shuzhi/schema';
import { http, ok } from '../../api/client.ts';


/** Typed by the API's generated paths, through the shared client (same errors, same problem+json). */
export const plannerApi = {
  plan: () => ok(http.GET('/api/planner/plan')),
  settings: () => ok(http.GET('/api/planner/settings')),
  saveSettings: (s: PlannerSettings) => ok(http.PUT('/api/planner/settings', { body: s })),
};
