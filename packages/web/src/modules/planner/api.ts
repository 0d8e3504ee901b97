import type { PlannerPlan, PlannerSettings } from '@shuzhi/schema';
import { apiRequest } from '../../api/client.ts';

/** This module's calls go through the shared client's request (same errors, same problem+json). */
const call = <T,>(method: string, path: string, body?: unknown): Promise<T> => apiRequest<T>(method, path, body);

export const plannerApi = {
  plan: () => call<PlannerPlan>('GET', '/planner/plan'),
  settings: () => call<PlannerSettings>('GET', '/planner/settings'),
  saveSettings: (s: PlannerSettings) => call<PlannerSettings>('PUT', '/planner/settings', s),
};
