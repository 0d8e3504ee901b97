import { z } from 'zod';
import { Text } from './common.ts';

/**
 * Render farm limits (licences, tenant caps) and the farm's sleep schedule and power figures, for the
 * web, the CLI and OpenAPI. The engine's rules are in @shuzhi/render (dispatch/limits.ts, sleep.ts).
 */

export const RenderLimitName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'limit names are lower-case letters, digits, . _ - (max 63)');

export const RenderLimitHolder = z.object({ jobId: z.string(), jobName: z.string(), tenantId: z.string(), held: z.number().int() });

export const RenderLimit = z.object({
  name: z.string(),
  /** `licence`: an operator's named count (e.g. houdini-license); `tenant`: a studio's cap on running tasks. */
  kind: z.enum(['licence', 'tenant']),
  tenantId: z.string().nullable(),
  /** What the dispatcher enforces: the lower of the operator's ceiling and the tenant's own cap; null = none. */
  capacity: z.number().int().nullable(),
  /** The operator's number (a licence count, or the most a tenant may run). */
  ceiling: z.number().int().nullable(),
  /** A tenant's own cap, within the ceiling. */
  own: z.number().int().nullable(),
  held: z.number().int(),
  /** Jobs holding units that the caller may see; the rest is `othersHeld`. */
  holders: z.array(RenderLimitHolder),
  othersHeld: z.number().int(),
});
export type RenderLimit = z.infer<typeof RenderLimit>;

export const RenderLimitPut = z.object({ capacity: z.number().int().min(0).max(1_000_000) });
export type RenderLimitPut = z.infer<typeof RenderLimitPut>;

export const RenderTenantCapPut = z.object({
  /** null clears the cap. */
  capacity: z.number().int().min(0).max(1_000_000).nullable(),
  /** Operators name the tenant (and set its ceiling); a tenant sets its own cap within it. */
  tenantId: Text(64).optional(),
});
export type RenderTenantCapPut = z.infer<typeof RenderTenantCapPut>;
