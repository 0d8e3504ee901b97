import { readFile } from 'node:fs/promises';
import {
  ComputeError, getPolicy, parseScenario, POLICY_NAMES, type LowerBound, type PlanResult, type Scenario,
} from '@shuzhi/compute';
import { parseArgs, str, UsageError } from './args.ts';

const USAGE = `usage: shuzhi plan --scenario FILE [--policy fifo|greedy|optimal|all] [--json] [--time-limit SEC]

Plans the jobs of a scenario file (format v1, DESIGN §4) with one or all policies and prints cost,
energy, green share, carbon, transfer cost, deadline misses, unserved work and solve time, plus the
LP lower bound when the optimal policy runs.

  --scenario FILE    scenario JSON (required)
  --policy NAME      fifo, greedy, optimal or all (default all)
  --json             print one JSON object instead of a table
  --time-limit SEC   solver time limit for optimal (default 60). While a plan would leave work unserved,
                     the LP and the exact MIPs that serve it get at least 15 s each, even past a
                     shorter limit: a plan that drops work it could serve is worse than a later one
  --help             this text
exit codes: 0 ok, 2 bad arguments or bad scenario file, 1 planner failure`;

export interface PlanReport {
  scenario: { slots: number; slotMinutes: number; regions: number; links: number; sites: number; jobs: number; start: string };
  results: {
    policy: string; objective: number; costFen: number; energyKWh: number; greenKWh: number; greenShare: number;
    carbonKg: number; transferFen: number; deadlineMisses: number; unservedUnitHours: number; solveMs: number;
  }[];
  lowerBound: LowerBound | null;
  notes: string[];
}

export function scenarioCounts(s: Scenario): PlanReport['scenario'] {
  return { slots: s.slots, slotMinutes: s.slotMinutes, regions: s.regions.length, links: s.links.length, sites: s.sites.length, jobs: s.jobs.length, start: s.start };
}

/** Runs the policies and shapes the JSON of `shuzhi plan --json`. */
export async function planReport(
  s: Scenario, policies: readonly string[], opts: { timeLimitSec?: number; onProgress?: (text: string) => void } = {},
): Promise<PlanReport> {
  const results: PlanResult[] = [];
  for (const name of policies) {
    const r = await getPolicy(name).plan(s, {
      ...(opts.timeLimitSec !== undefined ? { timeLimitSec: opts.timeLimitSec } : {}),
      onProgress: (p) => opts.onProgress?.(`${p.policy}: ${p.phase}${p.fraction !== undefined ? ` ${(p.fraction * 100).toFixed(0)}%` : ''}`),
    });
    results.push(r);
  }
  const opt = results.find((r) => r.lowerBound);
  return {
    scenario: scenarioCounts(s),
    results: results.map((r) => ({
      policy: r.policy, objective: r.objective, costFen: r.costFen, energyKWh: r.energyKWh, greenKWh: r.greenKWh,
      greenShare: r.greenShare, carbonKg: r.carbonKg, transferFen: r.transferFen, deadlineMisses: r.deadlineMisses,
      unservedUnitHours: r.unservedUnitHours, solveMs: Math.round(r.solveMs),
    })),
    lowerBound: opt?.lowerBound ?? null,
    notes: results.flatMap((r) => r.notes.map((n) => `${r.policy}: ${n}`)),
  };
}

const fmt = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function formatTable(rep: PlanReport): string {
  const head = ['policy', 'objective', 'cost ¥', 'energy kWh', 'green %', 'carbon kg', 'transfer ¥', 'misses', 'unserved u·h', 'solve ms', 'gap to LB'];
  const lb = rep.lowerBound?.objective;
  const rows = rep.results.map((r) => [
    r.policy, fmt(r.objective / 100, 0), fmt(r.costFen / 100, 0), fmt(r.energyKWh, 0), fmt(r.greenShare * 100, 1),
    fmt(r.carbonKg, 0), fmt(r.transferFen / 100, 0), String(r.deadlineMisses), fmt(r.unservedUnitHours, 1), String(r.solveMs),
    lb !== undefined && lb > 0 ? `${fmt(((r.objective - lb) / lb) * 100, 2)}%` : '–',
  ]);
  if (rep.lowerBound) rows.push(['LP bound', fmt(rep.lowerBound.objective / 100, 0), fmt(rep.lowerBound.costFen / 100, 0), '', '', fmt(rep.lowerBound.carbonKg, 0), '', '', '', '', '']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const c = rep.scenario;
  return [
    `scenario: ${c.jobs} jobs, ${c.sites} sites, ${c.regions} regions, ${c.slots} slots of ${c.slotMinutes} min from ${c.start}`,
    'objective = cost + transfer + carbon price × carbon + unserved penalty (¥ = 100 fen)',
    line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line),
    ...rep.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

interface Args { scenario?: string; policy: string; json: boolean; timeLimit?: number; help: boolean }

function planArgs(argv: string[]): Args {
  const { flags, positional } = parseArgs(argv, { switches: ['json'], values: ['scenario', 'policy', 'time-limit'] });
  if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`);
  const a: Args = { policy: str(flags, 'policy', 'all'), json: flags.json === true, help: flags.help === true };
  if (typeof flags.scenario === 'string') a.scenario = flags.scenario;
  if (typeof flags['time-limit'] === 'string') {
    const v = Number(flags['time-limit']);
    if (!Number.isFinite(v) || v <= 0) throw new UsageError('--time-limit must be a positive number of seconds');
    a.timeLimit = v;
  }
  return a;
}

export interface PlanIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** `shuzhi plan …`; returns the exit code. `io` defaults to the process streams (tests pass their own). */
export async function planCommand(argv: string[], io: PlanIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args: Args;
  try {
    args = planArgs(argv);
  } catch (e) {
    io.stderr.write(`shuzhi plan: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) { io.stdout.write(`${USAGE}\n`); return 0; }
  if (!args.scenario) { io.stderr.write(`shuzhi plan: --scenario FILE is required\n${USAGE}\n`); return 2; }
  const policies = args.policy === 'all' ? [...POLICY_NAMES] : [args.policy];
  if (!policies.every((p) => (POLICY_NAMES as readonly string[]).includes(p))) {
    io.stderr.write(`shuzhi plan: unknown policy "${args.policy}"; use fifo, greedy, optimal or all\n`);
    return 2;
  }
  let scenario: Scenario;
  try {
    const text = await readFile(args.scenario, 'utf8');
    let json: unknown;
    try { json = JSON.parse(text); } catch (e) { throw new Error(`${args.scenario} is not valid JSON: ${(e as Error).message}`); }
    scenario = parseScenario(json);
  } catch (e) {
    const msg = e instanceof ComputeError ? `${args.scenario}: ${e.message}` : (e as Error).message;
    io.stderr.write(`shuzhi plan: ${msg}\n`);
    return 2;
  }
  const tty = io.stderr.isTTY === true;
  const onProgress = args.json ? undefined : (text: string) => {
    io.stderr.write(tty ? `\r\x1b[K… ${text}` : `… ${text}\n`);
  };
  try {
    const rep = await planReport(scenario, policies, { ...(args.timeLimit !== undefined ? { timeLimitSec: args.timeLimit } : {}), ...(onProgress ? { onProgress } : {}) });
    if (onProgress && tty) io.stderr.write('\r\x1b[K');
    io.stdout.write(args.json ? `${JSON.stringify(rep, null, 2)}\n` : `${formatTable(rep)}\n`);
    return 0;
  } catch (e) {
    io.stderr.write(`shuzhi plan: planning failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
