import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { RenderLimit, RenderLimitName, RenderLimitPut, RenderPower, RenderSleepPolicy, RenderSleepPolicyPut, RenderSleepTarget, RenderTenantCapPut } from '@shuzhi/schema';
import { jsonBody, jsonOk, principalIn, router } from '../http/context.ts';
import { SIGNED_IN, problems } from '../http/openapi.ts';
import type { FarmLimits } from './limits.ts';
import type { FarmPower } from './power.ts';

const tags = ['render'];
const NameParam = z.object({ name: RenderLimitName });

const TargetParam = z.object({ target: RenderSleepTarget });

/**
 * Licences and tenant caps (operators define licences and ceilings, a tenant its own cap; readers see
 * use and holders), and the farm's sleep schedules and energy saved (operators set schedules).
 */
export function limitsPowerRoutes(limits: FarmLimits, power: FarmPower) {
  const r = router();

  r.openapi(
    createRoute({ operationId: 'listRenderLimits', summary: 'Render limits, their use and who holds them', security: SIGNED_IN, method: 'get', path: '/api/render/limits', tags, responses: { 200: jsonOk(z.object({ items: z.array(RenderLimit) })), ...problems(401, 403) } }),
    (c) => c.json({ items: limits.list(principalIn(c, ['tenant', 'operator', 'viewer'], 'see render limits')) }, 200),
  );

  r.openapi(
    createRoute({
      operationId: 'putRenderLimit',
      summary: 'Define a licence limit (operator)',
      description: 'A named count (e.g. houdini-license: 20); every running task of a job that names it in `limits` holds one unit.',
      security: SIGNED_IN,
      method: 'put',
      path: '/api/render/limits/{name}',
      tags,
      request: { params: NameParam, body: jsonBody(RenderLimitPut) },
      responses: { 200: jsonOk(RenderLimit), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(await limits.setLicence(principalIn(c, ['operator'], 'define licence limits'), c.req.valid('param').name, c.req.valid('json').capacity), 200),
  );

  r.openapi(
    createRoute({ operationId: 'deleteRenderLimit', summary: 'Remove a licence limit (operator)', security: SIGNED_IN, method: 'delete', path: '/api/render/limits/{name}', tags, request: { params: NameParam }, responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404) } }),
    async (c) => {
      await limits.removeLicence(principalIn(c, ['operator'], 'remove licence limits'), c.req.valid('param').name);
      return c.body(null, 204);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'putRenderTenantCap',
      summary: "Set a tenant's cap on running render tasks",
      description: "An operator sets a tenant's ceiling (name tenantId); a tenant sets its own cap, at most the ceiling. null clears.",
      security: SIGNED_IN,
      method: 'put',
      path: '/api/render/tenant-cap',
      tags,
      request: { body: jsonBody(RenderTenantCapPut) },
      responses: { 200: jsonOk(RenderLimit), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(await limits.setTenantCap(principalIn(c, ['tenant', 'operator'], 'set render caps'), c.req.valid('json')), 200),
  );

  r.openapi(
    createRoute({ operationId: 'getRenderPower', summary: 'Render sleep schedules, sleeping nodes and the energy saved', security: SIGNED_IN, method: 'get', path: '/api/render/power', tags, responses: { 200: jsonOk(RenderPower), ...problems(401, 403) } }),
    (c) => {
      principalIn(c, ['tenant', 'operator', 'viewer'], 'see the render farm');
      return c.json(power.view(), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'putRenderSleepPolicy',
      summary: 'Set a sleep schedule for a render node or pool (operator)',
      description: 'target: node:<id>, pool:<tag> or pool:*. A node sleeps in its windows (site time, UTC+8) or after idleMinutes without work, and is woken for queued work in a cheap, green hour or in time for a job deadline.',
      security: SIGNED_IN,
      method: 'put',
      path: '/api/render/sleep/{target}',
      tags,
      request: { params: TargetParam, body: jsonBody(RenderSleepPolicyPut) },
      responses: { 200: jsonOk(RenderSleepPolicy), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(await power.setPolicy(principalIn(c, ['operator'], 'set sleep schedules'), c.req.valid('param').target, c.req.valid('json')), 200),
  );

  r.openapi(
    createRoute({ operationId: 'deleteRenderSleepPolicy', summary: 'Remove a sleep schedule (operator)', security: SIGNED_IN, method: 'delete', path: '/api/render/sleep/{target}', tags, request: { params: TargetParam }, responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404) } }),
    async (c) => {
      await power.removePolicy(principalIn(c, ['operator'], 'remove sleep schedules'), c.req.valid('param').target);
      return c.body(null, 204);
    },
  );

  return r;
}
