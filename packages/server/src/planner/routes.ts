import { createRoute } from '@hono/zod-openapi';
import { PlannerPlan, PlannerSettings } from '@shuzhi/schema';
import { requireRole } from '../auth/principal.ts';
import { jsonBody, jsonOk, principalIn, principalOf, router } from '../http/context.ts';
import type { PlannerService } from './service.ts';
import { SIGNED_IN, problems } from '../http/openapi.ts';

export function plannerRoutes(svc: PlannerService) {
  const r = router();
  r.openapi(
    createRoute({
      operationId: 'getPlan',
      summary: 'The current green-power plan',
      security: SIGNED_IN,
      method: 'get', path: '/api/planner/plan', tags: ['planner'],
      responses: {
        200: jsonOk(PlannerPlan.nullable(), 'The plan in force: per site per hour, and per job (tenants see their own jobs only); null before the first plan (no site can take work yet)'),
        ...problems(401, 403),
      },
    }),
    async (c) => {
      const p = principalIn(c, ['operator', 'viewer', 'tenant'], 'read the plan');
      const plan = svc.latest();
      // No plan yet is a state, not an error: the plan page says so without a failed call in the browser.
      if (!plan) return c.json(null, 200);
      const entries = p.role === 'tenant' ? plan.entries.filter((e) => e.tenantId === p.tenantId) : plan.entries;
      const unplanned = p.role === 'tenant' ? [] : plan.unplanned;
      return c.json({ ...plan, entries, unplanned }, 200);
    },
  );
  r.openapi(
    createRoute({ operationId: 'getPlannerSettings', summary: 'Planner settings', security: SIGNED_IN, method: 'get', path: '/api/planner/settings', tags: ['planner'], responses: { 200: jsonOk(PlannerSettings), ...problems(401) } }),
    async (c) => {
      principalOf(c);
      return c.json(svc.settings(), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'setPlannerSettings',
      summary: 'Change planner settings',
      security: SIGNED_IN,
      method: 'put', path: '/api/planner/settings', tags: ['planner'],
      request: { body: jsonBody(PlannerSettings) },
      responses: { 200: jsonOk(PlannerSettings, 'Saved; a re-plan has run with them'), ...problems(400, 401, 403, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'change planner settings');
      return c.json(await svc.updateSettings(c.req.valid('json'), p.userId), 200);
    },
  );
  return r;
}
