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

// ---------------------------------------------------------------- sleep schedule and power

export const RenderSleepWindow = z.object({
  /** 0 = Sunday … 6 = Saturday, in the site's time (UTC+8 for Karamay's tariffs). */
  days: z.array(z.number().int().min(0).max(6)).min(1).max(7),
  from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
  to: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
});

/** `node:<id>`, `pool:<tag>` (nodes with that tag) or `pool:*` (every node). */
export const RenderSleepTarget = z.string().regex(/^(node:[A-Za-z0-9_-]{1,80}|pool:(\*|[a-z0-9][a-z0-9._-]{0,62}))$/, 'node:<id>, pool:<tag> or pool:*');

export const RenderSleepPolicyPut = z.object({
  windows: z.array(RenderSleepWindow).max(14).default([]),
  /** Sleep after this many idle minutes; null: not for idleness. */
  idleMinutes: z.number().int().min(1).max(10_080).nullable().default(null),
  /** A node's idle draw; null: the render pool's idle power from the site description. */
  idleWatts: z.number().min(0).max(100_000).nullable().default(null),
});
export type RenderSleepPolicyPut = z.input<typeof RenderSleepPolicyPut>;

export const RenderSleepPolicy = RenderSleepPolicyPut.extend({ target: z.string() });
export type RenderSleepPolicy = z.infer<typeof RenderSleepPolicy>;

export const RenderPower = z.object({
  policies: z.array(RenderSleepPolicy),
  /** Nodes asleep now, and since when. */
  asleep: z.array(z.object({ nodeId: z.string(), since: z.string() })),
  /** The wake provider in use (`local-held-poll`: a sleeping node's poll is held; waking answers it). */
  wakeProvider: z.string(),
  /** The last wake decision and why: how many sleeping nodes it woke, of how many, for how many slots the work needed. */
  lastDecision: z
    .object({ at: z.string(), wake: z.boolean(), reason: z.string(), nodesWoken: z.number().int(), slotsNeeded: z.number().int(), nodesAsleep: z.number().int() })
    .nullable(),
  saved: z.object({
    nodeHoursSlept: z.number(),
    /** Idle watts × hours slept. */
    kWh: z.number(),
    /** At the site's hourly tariff. */
    fen: z.number().int(),
  }),
});
export type RenderPower = z.infer<typeof RenderPower>;
