import type { RenderSleepPolicyPut } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { type Flags, UsageError } from './args.ts';

export const renderLimitsHelp = `shuzhi render limits [--json]
shuzhi render limit set NAME COUNT          (operator: a licence, e.g. houdini-license 20)
shuzhi render limit rm NAME                 (operator)
shuzhi render cap COUNT|none [--tenant ID]  (operator: a tenant's ceiling; a tenant: its own cap within it)
shuzhi render sleep set TARGET [--window DAYS@HH:MM-HH:MM]... [--idle MINUTES] [--idle-watts W]   (operator)
shuzhi render sleep rm TARGET               (operator)
shuzhi render power [--json]

A job names the licences it needs with submit --limits a,b and caps its own running tasks with
--max-nodes N; the farm never starts a task that would exceed a limit. TARGET is node:<id>, pool:<tag>
or pool:* (every node); DAYS is mon-fri, sat,sun, daily or 0-6 (0 = Sunday), in the site's time (UTC+8).
A sleeping node gets no work; the farm wakes it for queued work in a cheap, green hour, or in time for
a job's --deadline. \`render power\` shows the schedules, the sleeping nodes and the energy saved.`;

export const LIMITS_COMMANDS = new Set(['limits', 'limit', 'cap', 'sleep', 'power']);

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function dayOf(s: string): number {
  const i = /^[0-6]$/.test(s) ? Number(s) : DAY_NAMES.indexOf(s.toLowerCase());
  if (i < 0) throw new UsageError(`--window: "${s}" is not a day (mon … sun, or 0-6)`);
  return i;
}

/** `mon-fri@01:00-07:00`, `sat,sun@00:00-08:00`, `daily@22:00-06:00` → a sleep window. */
export function windowFlag(v: string): NonNullable<RenderSleepPolicyPut['windows']>[number] {
  const m = /^([^@]+)@(\d\d:\d\d)-(\d\d:\d\d)$/.exec(v);
  if (!m) throw new UsageError(`--window ${v}: give DAYS@HH:MM-HH:MM, e.g. mon-fri@01:00-07:00`);
  const days = new Set<number>();
  for (const part of m[1]!.split(',')) {
    if (part === 'daily') for (let d = 0; d < 7; d++) days.add(d);
    else if (part.includes('-')) {
      const [a, b] = part.split('-').map(dayOf) as [number, number];
      for (let d = a; ; d = (d + 1) % 7) {
        days.add(d);
        if (d === b) break;
      }
    } else days.add(dayOf(part));
  }
  return { days: [...days].sort(), from: m[2]!, to: m[3]! };
}

function count(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a whole number ≥ 0`);
  return n;
}

/** The limits and power commands of `shuzhi render`. */
export async function renderLimitsCommand(sub: string, positional: string[], flags: Flags, lists: Record<string, string[]>, api: ApiClient): Promise<number> {
  if (sub === 'limits') {
    const { items } = await ok(api.http.GET('/api/render/limits'));
    if (flags.json) console.log(JSON.stringify(items, null, 2));
    else {
      console.log(`${'LIMIT'.padEnd(32)} ${'KIND'.padEnd(8)} ${'HELD'.padStart(6)} / CAP   HOLDERS`);
      for (const l of items) {
        const holders = [...l.holders.map((h) => `${h.jobId}×${h.held}`), ...(l.othersHeld ? [`others×${l.othersHeld}`] : [])].join(' ');
        console.log(`${l.name.padEnd(32)} ${l.kind.padEnd(8)} ${String(l.held).padStart(6)} / ${String(l.capacity ?? '∞').padEnd(5)} ${holders}`);
      }
    }
    return 0;
  }
  if (sub === 'limit') {
    const [verb, name, n] = positional;
    if (verb === 'set' && name) {
      const l = await ok(api.http.PUT('/api/render/limits/{name}', { params: { path: { name } }, body: { capacity: count(n, 'COUNT') } }));
      console.log(`${l.name}: ${l.held} of ${l.capacity} held`);
      return 0;
    }
    if (verb === 'rm' && name) {
      await ok(api.http.DELETE('/api/render/limits/{name}', { params: { path: { name } } }));
      console.log(`removed ${name}`);
      return 0;
    }
    throw new UsageError('usage: shuzhi render limit set NAME COUNT | shuzhi render limit rm NAME');
  }
  if (sub === 'cap') {
    const v = positional[0];
    const capacity = v === 'none' ? null : count(v, 'COUNT');
    const l = await ok(api.http.PUT('/api/render/tenant-cap', { body: { capacity, ...(typeof flags.tenant === 'string' ? { tenantId: flags.tenant } : {}) } }));
    console.log(`${l.name}: at most ${l.capacity ?? '∞'} running tasks (ceiling ${l.ceiling ?? '∞'}, own cap ${l.own ?? '∞'}); ${l.held} running`);
    return 0;
  }
  if (sub === 'sleep') {
    const [verb, target] = positional;
    if (verb === 'set' && target) {
      const idle = flags.idle === undefined ? null : count(flags.idle as string, '--idle');
      const watts = flags['idle-watts'] === undefined ? null : count(flags['idle-watts'] as string, '--idle-watts');
      const p = await ok(api.http.PUT('/api/render/sleep/{target}', { params: { path: { target } }, body: { windows: (lists.window ?? []).map(windowFlag), idleMinutes: idle, idleWatts: watts } }));
      console.log(`${p.target}: ${p.windows.map((w) => `${w.days.join(',')}@${w.from}-${w.to}`).join(' ') || 'no windows'}${p.idleMinutes ? `, after ${p.idleMinutes} idle minutes` : ''}`);
      return 0;
    }
    if (verb === 'rm' && target) {
      await ok(api.http.DELETE('/api/render/sleep/{target}', { params: { path: { target } } }));
      console.log(`removed ${target}`);
      return 0;
    }
    throw new UsageError('usage: shuzhi render sleep set TARGET [--window DAYS@HH:MM-HH:MM]... [--idle MINUTES] | shuzhi render sleep rm TARGET');
  }
  const p = await ok(api.http.GET('/api/render/power'));
  if (flags.json) {
    console.log(JSON.stringify(p, null, 2));
    return 0;
  }
  for (const s of p.policies) console.log(`schedule ${s.target}: ${s.windows.map((w) => `${w.days.join(',')}@${w.from}-${w.to}`).join(' ') || '-'}${s.idleMinutes ? `, idle ${s.idleMinutes} min` : ''}`);
  console.log(`asleep now: ${p.asleep.length ? p.asleep.map((a) => a.nodeId).join(' ') : 'none'} (wake provider: ${p.wakeProvider})`);
  if (p.lastDecision) {
    const d = p.lastDecision;
    console.log(`last wake decision: ${d.wake ? `woke ${d.nodesWoken} of ${d.nodesAsleep} sleeping nodes (${d.slotsNeeded} slots needed)` : `wait, ${d.nodesAsleep} asleep`} (${d.reason}) at ${d.at}`);
  }
  console.log(`saved: ${p.saved.nodeHoursSlept.toFixed(1)} node-hours slept, ${p.saved.kWh.toFixed(1)} kWh, ¥${(p.saved.fen / 100).toFixed(2)}`);
  return 0;
}
