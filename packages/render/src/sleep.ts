/**
 * Sleep schedule and power for render nodes: when a node may sleep (a weekly window, or after some
 * idle minutes), and when the farm wakes sleeping nodes for queued work — in a cheap, green hour, or
 * at the latest moment that still meets a job's deadline. Pure: the server supplies the clock, the
 * site's hourly prices and green share (compute's meter), and the work.
 */

/** A weekly window in site-local time: `days` 0 = Sunday … 6; `from` > `to` runs past midnight. */
export interface SleepWindow {
  readonly days: readonly number[];
  readonly from: string;
  readonly to: string;
}

export interface SleepPolicy {
  readonly windows: readonly SleepWindow[];
  /** Sleep after this many idle minutes with no work for the node; null: never for idleness. */
  readonly idleMinutes: number | null;
  /** What the node draws idling, saved while it sleeps. */
  readonly idleWatts: number;
}

const HM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function minutesOf(hm: string): number {
  const m = HM.exec(hm);
  if (!m) throw new RangeError(`${hm} is not HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Whether `atMs` falls in one of the windows; `utcOffsetH` is the site's (Xinjiang's tariffs run on UTC+8). */
export function inSleepWindow(windows: readonly SleepWindow[], atMs: number, utcOffsetH: number): boolean {
  const local = new Date(atMs + utcOffsetH * 3_600_000);
  const day = local.getUTCDay();
  const min = local.getUTCHours() * 60 + local.getUTCMinutes();
  for (const w of windows) {
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    if (from < to) {
      if (w.days.includes(day) && min >= from && min < to) return true;
    } else if ((w.days.includes(day) && min >= from) || (w.days.includes((day + 6) % 7) && min < to)) {
      // A window past midnight belongs to the day it starts on.
      return true;
    }
  }
  return false;
}

/** Whether a node should be asleep now, by its policy alone (the farm may keep it awake for work). */
export function wantsSleep(policy: SleepPolicy, atMs: number, idleSinceMs: number | null, utcOffsetH: number): boolean {
  if (inSleepWindow(policy.windows, atMs, utcOffsetH)) return true;
  return policy.idleMinutes !== null && idleSinceMs !== null && atMs - idleSinceMs >= policy.idleMinutes * 60_000;
}

/** One hour of the site's signals. */
export interface HourSignal {
  readonly startMs: number;
  readonly fenPerKWh: number;
  /** Share of the site's load renewables cover in that hour, 0..1. */
  readonly greenShare: number;
}

/** Grid money per kWh the hour costs after its green share: the measure of a cheap and green hour. */
function brownPrice(h: HourSignal): number {
  return h.fenPerKWh * (1 - Math.min(1, Math.max(0, h.greenShare)));
}

/**
 * Hours in the cheapest third of the horizon's range of brown prices: valley tariff, high green share.
 * When every hour costs the same, every hour is good — there is nothing to wait for.
 */
export function goodHours(hours: readonly HourSignal[]): Set<number> {
  if (!hours.length) return new Set();
  const prices = hours.map(brownPrice);
  const min = Math.min(...prices);
  const cut = min + (Math.max(...prices) - min) / 3;
  return new Set(hours.filter((_, i) => prices[i]! <= cut).map((h) => h.startMs));
}

export interface WakeInput {
  readonly now: number;
  /** Node slots awake and asleep that could run the work. */
  readonly awakeSlots: number;
  readonly sleepingSlots: number;
  /** Slot-milliseconds of queued work. */
  readonly workMs: number;
  /** When the work must be done; null: whenever. */
  readonly deadlineMs: number | null;
  /** The site's next hours, the current one first. */
  readonly hours: readonly HourSignal[];
  /** How often the farm decides again, and how long a node takes to wake: the margin before the latest moment. */
  readonly stepMs: number;
  readonly wakeLatencyMs: number;
}

export type WakeDecision =
  | { readonly wake: true; readonly reason: 'cheap-green-hour' | 'deadline' }
  | { readonly wake: false; readonly reason: 'no-work' | 'nobody-asleep' | 'awake-nodes-suffice' | 'waiting-for-cheaper-hour'; readonly latestWakeMs: number | null };

/** Work is done 10 % later than the slot arithmetic says (chunks do not divide evenly over nodes). */
const SLACK = 1.1;

/**
 * Whether to wake the sleeping nodes now. In a cheap, green hour: yes. Otherwise only if waiting one
 * more step would leave too little time to meet the deadline with every node working, counting the
 * time a node takes to wake.
 */
export function decideWake(w: WakeInput): WakeDecision {
  if (w.workMs <= 0) return { wake: false, reason: 'no-work', latestWakeMs: null };
  if (w.sleepingSlots <= 0) return { wake: false, reason: 'nobody-asleep', latestWakeMs: null };
  const current = w.hours.find((h) => h.startMs <= w.now && w.now < h.startMs + 3_600_000);
  if (current && goodHours(w.hours).has(current.startMs)) return { wake: true, reason: 'cheap-green-hour' };
  if (w.deadlineMs === null) return { wake: false, reason: 'waiting-for-cheaper-hour', latestWakeMs: null };
  const need = w.workMs * SLACK;
  const left = w.deadlineMs - w.now;
  if (w.awakeSlots * left >= need) return { wake: false, reason: 'awake-nodes-suffice', latestWakeMs: null };
  // awake·(D − now) + sleeping·(D − s − latency) ≥ need  ⇒  the latest start s of the sleeping nodes.
  const latest = w.deadlineMs - w.wakeLatencyMs - (need - w.awakeSlots * left) / w.sleepingSlots;
  if (w.now + w.stepMs >= latest) return { wake: true, reason: 'deadline' };
  return { wake: false, reason: 'waiting-for-cheaper-hour', latestWakeMs: latest };
}

/** Energy a sleeping node saves: its idle draw over the time slept. */
export function savedKWh(sleptMs: number, idleWatts: number): number {
  return (sleptMs / 3_600_000) * (idleWatts / 1000);
}

export interface WakePlanInput extends WakeInput {
  /** Slots woken less than a wake latency ago: counted as working only from a full latency on. */
  readonly wakingSlots: number;
  /** Queued tasks: a slot runs one task at a time, so more sleepers than tasks are never of use. */
  readonly tasks: number;
}

export type WakeReason = 'cheap-green-hour' | 'deadline' | 'no-work' | 'nobody-asleep' | 'awake-nodes-suffice' | 'waiting-for-cheaper-hour';

/** How many sleeping slots to wake now (0: none), and why; `latestWakeMs` when waiting on a deadline. */
export interface WakePlan {
  readonly slots: number;
  readonly reason: WakeReason;
  readonly latestWakeMs: number | null;
}

/**
 * Sleeping slots that must start now so the work is done within `horizonMs`: the awake slots work the
 * whole horizon, waking and newly woken ones from a wake latency on. Clamped to the sleepers.
 */
function slotsFor(w: WakePlanInput, need: number, horizonMs: number): number {
  const late = Math.max(0, horizonMs - w.wakeLatencyMs);
  const deficit = need - w.awakeSlots * horizonMs - w.wakingSlots * late;
  if (deficit <= 0) return 0;
  if (late === 0) return w.sleepingSlots;
  return Math.min(w.sleepingSlots, Math.ceil(deficit / late));
}

/** End of the run of good hours the current hour starts, or null when the current hour is not good. */
function goodRunEnd(hours: readonly HourSignal[], now: number): number | null {
  const good = goodHours(hours);
  const sorted = [...hours].sort((a, b) => a.startMs - b.startMs);
  let i = sorted.findIndex((h) => h.startMs <= now && now < h.startMs + 3_600_000);
  if (i < 0 || !good.has(sorted[i]!.startMs)) return null;
  while (i + 1 < sorted.length && good.has(sorted[i + 1]!.startMs) && sorted[i + 1]!.startMs === sorted[i]!.startMs + 3_600_000) i++;
  return sorted[i]!.startMs + 3_600_000;
}

/**
 * How many sleeping slots the queued work needs woken now — not every sleeper. Only as many sleepers
 * as there are queued tasks are of use. For a deadline: none until waiting one more step would be too
 * late with every useful sleeper woken (decideWake's latest moment), then just enough that the work (with 10 % slack) is done by the deadline, the woken slots counted
 * from a wake latency on. In a cheap, green hour: enough to finish within the run of cheap hours (at
 * least the next hour), or the deadline if that is sooner. Deciding again every step wakes more only
 * when the work outgrows the nodes already up.
 */
export function planWake(w: WakePlanInput): WakePlan {
  if (w.workMs <= 0) return { slots: 0, reason: 'no-work', latestWakeMs: null };
  if (w.sleepingSlots <= 0) return { slots: 0, reason: 'nobody-asleep', latestWakeMs: null };
  // One task per slot: slots beyond the queued tasks neither work nor need waking.
  const awakeSlots = Math.min(w.awakeSlots, w.tasks);
  const wakingSlots = Math.min(w.wakingSlots, w.tasks - awakeSlots);
  w = { ...w, awakeSlots, wakingSlots, sleepingSlots: Math.min(w.sleepingSlots, w.tasks - awakeSlots - wakingSlots) };
  if (w.sleepingSlots <= 0) return { slots: 0, reason: 'awake-nodes-suffice', latestWakeMs: null };
  const need = w.workMs * SLACK;
  const runEnd = goodRunEnd(w.hours, w.now);
  let deadlineSlots = 0;
  let latest: number | null = null;
  if (w.deadlineMs !== null) {
    const left = w.deadlineMs - w.now;
    const all = slotsFor({ ...w, sleepingSlots: Number.POSITIVE_INFINITY }, need, left);
    if (all > 0) {
      // The latest start of every sleeper that still meets the deadline (as decideWake), waking slots counted late.
      const late = Math.max(0, left - w.wakeLatencyMs);
      latest = w.deadlineMs - w.wakeLatencyMs - (need - w.awakeSlots * left - w.wakingSlots * late) / w.sleepingSlots;
      if (w.now + w.stepMs >= latest) deadlineSlots = slotsFor(w, need, left);
    }
  }
  let cheapSlots = 0;
  if (runEnd !== null) {
    const horizon = Math.max(runEnd - w.now, 3_600_000);
    cheapSlots = slotsFor(w, need, w.deadlineMs === null ? horizon : Math.min(horizon, w.deadlineMs - w.now));
  }
  const slots = Math.max(deadlineSlots, cheapSlots);
  if (slots > 0) return { slots, reason: runEnd !== null && cheapSlots >= deadlineSlots ? 'cheap-green-hour' : 'deadline', latestWakeMs: null };
  if (runEnd !== null || (w.deadlineMs !== null && latest === null)) return { slots: 0, reason: 'awake-nodes-suffice', latestWakeMs: null };
  return { slots: 0, reason: 'waiting-for-cheaper-hour', latestWakeMs: latest };
}
