import { localHour, renewableKW, siteLoadKW } from '@shuzhi/compute';
import { planWake, savedKWh, wantsSleep } from '@shuzhi/render';
import type { HourSignal, SleepPolicy } from '@shuzhi/render';
import { demoSites } from '@shuzhi/server';

const H = 3_600_000;
const STEP = 60_000;
/** A sleeping node is working this long after it is woken (boot and agent start). */
const WAKE_LATENCY_MS = 2 * 60_000;
/** The night job's chunks, for planWake's one-task-per-slot cap: 5-minute chunks. */
const CHUNK_MS = 5 * 60_000;

export interface SleepDayFigures {
  nodes: number;
  nodeHoursSlept: number;
  kWhSaved: number;
  fenSaved: number;
  nightJobWokeAtLocal: string;
  /** Most nodes awake for the night job at once: planWake wakes only what the deadline or a cheap hour needs. */
  nightJobNodesWoken: number;
  nightJobDoneAtLocal: string;
  deadlineLocal: string;
  deadlineMet: boolean;
}

/**
 * One simulated weekday of the demo render base (Karamay, 20,000 nodes): busy 09:00–18:00 local, a
 * night job submitted at 02:00 and due at 09:00, the pool's schedule mon-fri@01:00-07:00 and 30 idle minutes.
 * The farm's own sleep rules and wake planner (@shuzhi/render sleep.ts: wantsSleep, planWake — what the
 * server's power loop runs) and the site's tariffs and renewables (compute's meter) decide, minute by minute; node power is the pool's idle watts. A model of a day, not a measurement.
 */
export function sleepDaySection(nightJobNodeHours = 60_000): SleepDayFigures {
  const site = demoSites.find((s) => s.id === 'karamay')!;
  const pool = site.pools.find((p) => p.type === 'render')!;
  const nodes = pool.units;
  const policy: SleepPolicy = { windows: [{ days: [1, 2, 3, 4, 5], from: '01:00', to: '07:00' }], idleMinutes: 30, idleWatts: pool.idleW };
  const start = Date.UTC(2026, 11, 7, 1); // Monday 09:00 in Karamay (UTC+8)
  const deadline = start + 24 * H;
  const meterSite = site as unknown as Parameters<typeof renewableKW>[0] & { pools: Parameters<typeof siteLoadKW>[1] };
  const hours = (now: number): HourSignal[] =>
    Array.from({ length: 24 }, (_, i) => {
      const t = Math.floor(now / H) * H + i * H;
      const load = siteLoadKW(meterSite, meterSite.pools, { render: 0 });
      return { startMs: t, fenPerKWh: site.power.tariffFenPerKWh[localHour(t)]!, greenShare: Math.min(1, renewableKW(meterSite, t) / load) };
    });
  let asleep = 0;
  let woken = false;
  /** Nodes woken for the night job, by the minute they were woken (they work from a wake latency on). */
  const waking: { at: number; n: number }[] = [];
  let mostWoken = 0;
  let idleSince: number | null = null;
  let nightLeft = nightJobNodeHours * H;
  let sleptMs = 0;
  let fen = 0;
  let wokeAt: number | null = null;
  let doneAt: number | null = null;
  for (let now = start; now < start + 24 * H; now += STEP) {
    const day = now < start + 9 * H; // 09:00–18:00: the studios' daytime work fills the farm
    const nightJob = now >= start + 17 * H && nightLeft > 0;
    const busy = day ? nodes : 0;
    if (!day && !nightJob) idleSince ??= now;
    else idleSince = null;
    if (!woken && asleep < nodes && busy === 0 && wantsSleep(policy, now, idleSince ?? (nightJob ? null : now), 8)) asleep = nodes;
    if (asleep && !wantsSleep(policy, now, idleSince, 8) && !nightJob) asleep = 0;
    const wakingNow = waking.filter((w) => now - w.at < WAKE_LATENCY_MS).reduce((n, w) => n + w.n, 0);
    if (asleep && nightJob) {
      const p = planWake({
        now, awakeSlots: nodes - asleep - wakingNow, wakingSlots: wakingNow, sleepingSlots: asleep, tasks: Math.ceil(nightLeft / CHUNK_MS),
        workMs: nightLeft, deadlineMs: deadline, hours: hours(now), stepMs: STEP, wakeLatencyMs: WAKE_LATENCY_MS,
      });
      if (p.slots > 0) {
        asleep -= p.slots;
        waking.push({ at: now, n: p.slots });
        woken = true;
        wokeAt ??= now;
        mostWoken = Math.max(mostWoken, nodes - asleep);
      }
    }
    if (nightJob) {
      nightLeft -= (nodes - asleep - wakingNow) * STEP;
      if (nightLeft <= 0) {
        doneAt = now + STEP;
        woken = false;
        waking.length = 0;
      }
    }
    if (asleep) {
      sleptMs += asleep * STEP;
      fen += savedKWh(asleep * STEP, pool.idleW) * site.power.tariffFenPerKWh[localHour(now)]!;
    }
  }
  const local = (t: number | null) => (t === null ? 'never' : new Date(t + 8 * H).toISOString().slice(11, 16));
  const out: SleepDayFigures = {
    nodes,
    nodeHoursSlept: Math.round(sleptMs / H),
    kWhSaved: Math.round(savedKWh(sleptMs, pool.idleW)),
    fenSaved: Math.round(fen),
    nightJobWokeAtLocal: local(wokeAt),
    nightJobNodesWoken: mostWoken,
    nightJobDoneAtLocal: local(doneAt),
    deadlineLocal: local(deadline),
    deadlineMet: doneAt !== null && doneAt <= deadline,
  };
  console.log(`\n== sleep schedule: one simulated weekday of the demo render base (a model, not a measurement) ==`);
  console.log(`${nodes.toLocaleString('en')} nodes at ${pool.idleW} W idle; schedule mon-fri@01:00-07:00 + 30 idle minutes; a ${nightJobNodeHours.toLocaleString('en')} node-hour job submitted 02:00, due ${out.deadlineLocal} (site time)`);
  console.log(`node-hours slept ${out.nodeHoursSlept.toLocaleString('en')}, energy saved ${out.kWhSaved.toLocaleString('en')} kWh, money saved ¥${(out.fenSaved / 100).toLocaleString('en', { maximumFractionDigits: 0 })}`);
  console.log(`night job: first nodes woken at ${out.nightJobWokeAtLocal} (at most ${out.nightJobNodesWoken.toLocaleString('en')} of ${nodes.toLocaleString('en')} awake for it; planWake, wake latency ${WAKE_LATENCY_MS / 60_000} min), done at ${out.nightJobDoneAtLocal}, deadline ${out.deadlineMet ? 'met' : 'MISSED'}`);
  return out;
}
