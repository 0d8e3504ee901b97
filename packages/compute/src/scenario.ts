import { z } from 'zod';
import { ScenarioError, type ScenarioIssue } from './errors.ts';

/** How a job may be cut up: see DESIGN §4 "Job". */
export const FLEX_KINDS = ['rigid', 'malleable', 'divisible'] as const;
export const SITE_KINDS = ['general', 'intelligent', 'supercomputing', 'render'] as const;

/** Slot lengths the network plans in: each divides an hour, so hourly series resample exactly. */
export const SLOT_MINUTES = [5, 15, 30, 60] as const;
export type SlotMinutes = (typeof SLOT_MINUTES)[number];

export const SlotMinutesSchema = z.number().refine((v): v is SlotMinutes => (SLOT_MINUTES as readonly number[]).includes(v), {
  message: `slotMinutes must be one of ${SLOT_MINUTES.join(', ')}`,
});

const id = z.string().min(1);
const nonNeg = z.number().finite().nonnegative();
const series = z.array(z.number().finite());

export const ScenarioPoolSchema = z.object({
  type: id,
  units: z.number().int().nonnegative(),
  busyW: nonNeg,
  idleW: nonNeg,
  fenPerUnitHour: nonNeg.optional(),
  pflopsPerUnit: nonNeg.optional(),
});

export const ScenarioGridSchema = z.object({
  fenPerKWh: series,
  carbonGPerKWh: z.array(nonNeg),
});

export const ScenarioRenewablesSchema = z.object({
  kW: z.array(nonNeg),
  fenPerKWh: nonNeg,
});

export const ScenarioStorageSchema = z.object({
  kWh: nonNeg,
  kW: nonNeg,
  efficiency: z.number().gt(0).lte(1),
});

export const ScenarioSiteSchema = z.object({
  id,
  region: id,
  kind: z.enum(SITE_KINDS).default('general'),
  pue: z.number().finite().gte(1).default(1.2),
  pools: z.array(ScenarioPoolSchema).min(1),
  grid: ScenarioGridSchema,
  renewables: ScenarioRenewablesSchema.optional(),
  storage: ScenarioStorageSchema.optional(),
});

export const ScenarioLinkSchema = z.object({
  from: id,
  to: id,
  gbps: z.number().finite().positive(),
  fenPerGB: nonNeg,
});

export const ScenarioJobSchema = z.object({
  id,
  tenant: z.string().optional(),
  type: id,
  units: z.number().int().positive(),
  hours: z.number().finite().positive(),
  release: z.number().int().nonnegative(),
  deadline: z.number().int().positive(),
  flex: z.enum(FLEX_KINDS),
  home: id,
  dataGB: nonNeg.default(0),
  regions: z.array(id).min(1),
  /**
   * Priority weight (default 1): leaving the job unserved costs `weight` times the usual penalty, so
   * when capacity is short the plan keeps the heavier work; greedy and fifo take heavier jobs first
   * among equals. The live planner sets it from job priority and fair share. At least 1: the
   * aggregated bound models price every job at weight 1, which stays a lower bound only so.
   */
  weight: z.number().finite().min(1).max(100).optional(),
});

const ScenarioShape = z.object({
  version: z.literal(1),
  start: z.iso.datetime({ offset: true }),
  slotMinutes: SlotMinutesSchema,
  slots: z.number().int().min(1).max(100_000),
  carbonPriceFenPerKg: nonNeg.default(0),
  greenShareTarget: z.number().min(0).max(1).nullable().default(null),
  regions: z.array(id).min(1),
  links: z.array(ScenarioLinkSchema).default([]),
  sites: z.array(ScenarioSiteSchema).min(1),
  jobs: z.array(ScenarioJobSchema),
});

type Ctx = z.core.$RefinementCtx<z.output<typeof ScenarioShape>>;

function checkSeries(ctx: Ctx, values: readonly number[], expected: number, path: (string | number)[]): void {
  if (values.length !== expected) {
    ctx.addIssue({ code: 'custom', path, message: `expected ${expected} values, got ${values.length}` });
  }
}

function checkUnique(ctx: Ctx, ids: readonly string[], path: (i: number) => (string | number)[], what: string): void {
  const seen = new Set<string>();
  ids.forEach((v, i) => {
    if (seen.has(v)) ctx.addIssue({ code: 'custom', path: path(i), message: `duplicate ${what} "${v}"` });
    seen.add(v);
  });
}

/** Cross-field rules that a per-field schema cannot express. */
function crossCheck(s: z.output<typeof ScenarioShape>, ctx: Ctx): void {
  const regions = new Set(s.regions);
  checkUnique(ctx, s.regions, (i) => ['regions', i], 'region');
  checkUnique(ctx, s.sites.map((x) => x.id), (i) => ['sites', i, 'id'], 'site id');
  checkUnique(ctx, s.jobs.map((x) => x.id), (i) => ['jobs', i, 'id'], 'job id');

  s.links.forEach((l, i) => {
    if (!regions.has(l.from)) ctx.addIssue({ code: 'custom', path: ['links', i, 'from'], message: `unknown region "${l.from}"` });
    if (!regions.has(l.to)) ctx.addIssue({ code: 'custom', path: ['links', i, 'to'], message: `unknown region "${l.to}"` });
    if (l.from === l.to) ctx.addIssue({ code: 'custom', path: ['links', i, 'to'], message: 'a link must join two different regions' });
  });

  const poolTypes = new Set<string>();
  const siteRegion = new Map<string, string>();
  s.sites.forEach((site, i) => {
    siteRegion.set(site.id, site.region);
    if (!regions.has(site.region)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'region'], message: `unknown region "${site.region}"` });
    checkUnique(ctx, site.pools.map((p) => p.type), (k) => ['sites', i, 'pools', k, 'type'], 'pool type at this site');
    for (const p of site.pools) poolTypes.add(p.type);
    checkSeries(ctx, site.grid.fenPerKWh, s.slots, ['sites', i, 'grid', 'fenPerKWh']);
    checkSeries(ctx, site.grid.carbonGPerKWh, s.slots, ['sites', i, 'grid', 'carbonGPerKWh']);
    if (site.renewables) checkSeries(ctx, site.renewables.kW, s.slots, ['sites', i, 'renewables', 'kW']);
  });

  s.jobs.forEach((j, i) => {
    const home = siteRegion.get(j.home);
    if (home === undefined) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'home'], message: `unknown site "${j.home}"` });
    if (!poolTypes.has(j.type)) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'type'], message: `no site has a pool of type "${j.type}"` });
    if (j.release >= j.deadline) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'release'], message: `release (${j.release}) must be before deadline (${j.deadline})` });
    if (j.deadline > s.slots) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'deadline'], message: `deadline ${j.deadline} is after the last slot (${s.slots})` });
    j.regions.forEach((r, k) => {
      if (!regions.has(r)) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'regions', k], message: `unknown region "${r}"` });
    });
    if (home !== undefined && !j.regions.includes(home)) {
      ctx.addIssue({ code: 'custom', path: ['jobs', i, 'regions'], message: `must include the home site's region "${home}" (the data lives there)` });
    }
  });
}

export const ScenarioSchema = ScenarioShape.superRefine(crossCheck);

export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ScenarioSite = Scenario['sites'][number];
export type ScenarioPool = ScenarioSite['pools'][number];
export type ScenarioGrid = ScenarioSite['grid'];
export type ScenarioRenewables = NonNullable<ScenarioSite['renewables']>;
export type ScenarioStorage = NonNullable<ScenarioSite['storage']>;
export type ScenarioLink = Scenario['links'][number];
export type ScenarioJob = Scenario['jobs'][number];
export type Flex = ScenarioJob['flex'];

/** `['sites', 2, 'grid']` → `sites[2].grid` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** Validates a parsed JSON document against scenario format v1; throws `ScenarioError` naming each bad path. */
export function parseScenario(json: unknown): Scenario {
  const r = ScenarioSchema.safeParse(json);
  if (r.success) return r.data;
  const issues: ScenarioIssue[] = r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  throw new ScenarioError(issues);
}
