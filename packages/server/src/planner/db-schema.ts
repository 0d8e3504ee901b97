import { doublePrecision, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** One row ('default'): the operator's planner settings. */
export const plannerSettings = pgTable('planner_settings', {
  id: text('id').primaryKey(),
  carbonPriceFenPerKg: doublePrecision('carbon_price_fen_per_kg').notNull(),
  greenShareTarget: doublePrecision('green_share_target'),
  policy: text('policy').notNull(),
  cadenceSec: integer('cadence_sec').notNull(),
  defaultSlackHours: integer('default_slack_hours').notNull(),
  horizonHours: integer('horizon_hours').notNull(),
  slotMinutes: integer('slot_minutes').notNull().default(60),
  updatedBy: text('updated_by'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Plans as made (the latest drives the dispatcher); older ones are pruned. */
export const plannerPlans = pgTable('planner_plans', {
  id: text('id').primaryKey(),
  createdAt: ts('created_at').notNull().defaultNow(),
  policy: text('policy').notNull(),
  startAt: ts('start_at').notNull(),
  /** the whole PlannerPlan document (schema/planner.ts) */
  plan: jsonb('plan').notNull(),
});
