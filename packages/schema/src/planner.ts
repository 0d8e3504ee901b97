import { z } from 'zod';

/** Slot lengths the planner accepts (each divides an hour); the same list as @shuzhi/compute's SLOT_MINUTES. */
export const PLANNER_SLOT_MINUTES: readonly number[] = [5, 15, 30, 60];

/** Operator settings of the live planner (PUT /api/planner/settings). */
export const PlannerSettings = z.object({
  /** Shadow price of carbon in the objective, fen per kg CO2 (100 fen/kg = 1,000 ¥/t). */
  carbonPriceFenPerKg: z.number().min(0).max(100_000),
  /** Network green-share target (soft), e.g. 0.8 for the hub-node rule for new data centres; null = none. */
  greenShareTarget: z.number().min(0).max(1).nullable(),
  policy: z.enum(['greedy', 'optimal']),
  /** Re-plan cadence; arrivals also trigger a (debounced) re-plan. */
  cadenceSec: z.number().int().min(5).max(3600),
  /** Window given to jobs without a deadline: release + booked hours + this slack. */
  defaultSlackHours: z.number().int().min(0).max(168),
  horizonHours: z.number().int().min(1).max(168),
  /**
   * Planning slot length in minutes: 5, 15, 30 or 60. Hourly tariff and carbon tables are resampled to
   * it and energy counts the part of each slot a job runs. 60 (the default) keeps the horizon small;
   * 15 lets short jobs start between hours.
   */
  slotMinutes: z.number().refine((v) => PLANNER_SLOT_MINUTES.includes(v), { message: 'slotMinutes must be one of 5, 15, 30, 60' }).default(60),
});
export type PlannerSettings = z.infer<typeof PlannerSettings>;

export const PlannerHour = z.object({
  at: z.string(),
  units: z.number(),
  energyKWh: z.number(),
  greenKWh: z.number(),
  greenShare: z.number(),
  priceFenPerKWh: z.number(),
  carbonGPerKWh: z.number(),
});
export type PlannerHour = z.infer<typeof PlannerHour>;

export const PlannerEntry = z.object({
  jobId: z.string(),
  tenantId: z.string(),
  siteId: z.string(),
  startAt: z.string(),
  endAt: z.string(),
  units: z.number(),
  costFen: z.number(),
  carbonG: z.number(),
  /** Against running the same work now at its home site (negative: this plan costs more). */
  savedFen: z.number(),
  savedCarbonG: z.number(),
  explanation: z.string(),
});
export type PlannerEntry = z.infer<typeof PlannerEntry>;

export const PlannerPlan = z.object({
  id: z.string(),
  createdAt: z.string(),
  policy: z.string(),
  start: z.string(),
  slotMinutes: z.number(),
  slots: z.number(),
  carbonPriceFenPerKg: z.number(),
  greenShareTarget: z.number().nullable(),
  objectiveFen: z.number(),
  lowerBoundFen: z.number().nullable(),
  greenShare: z.number(),
  notes: z.array(z.string()),
  sites: z.array(z.object({ siteId: z.string(), nameZh: z.string(), nameEn: z.string(), region: z.string(), hours: z.array(PlannerHour) })),
  entries: z.array(PlannerEntry),
  /** jobs the plan could not fit before their deadline (they run at the first free capacity) */
  unplanned: z.array(z.string()),
});
export type PlannerPlan = z.infer<typeof PlannerPlan>;
