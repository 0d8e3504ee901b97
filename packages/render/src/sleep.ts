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
