// `npm run bench -- arrays`: a 100,000-task array through the real platform (PGlite): submit, what the
// planner reads, and the dispatcher making and placing its tasks window by window. Tasks go to an
// instant engine (started and finished at once through the dispatcher's host, every state change
// written as for a real one), so the figures are the platform's own cost per task, not a workload's.
import { performance } from 'node:perf_hooks';
import { benchArgs } from '../args.ts';
import type { ExecTask, Executor } from '@shuzhi/server/testing';
import { client, login, startPlatform } from '../../packages/server/test/helpers.ts';

const MB = 1024 * 1024;

/** What submitting and draining one array (and the baseline) through the platform measured. */
export interface ArrayDrain {
  site: string;
  siteUnits: number;
  /** POST /api/jobs until its 201: the record stored */
  submitMs: number;
  /** POST until the dispatcher handed the first window of tasks to the engine (made and queued), or null if it did not in time */
  queuedMs: number | null;
  firstWindow: number;
  queueEntries: number;
  queueDesc: string;
  queueMs: number;
  /** CPU of the whole process (server and the bench's client in it) from the POST until the first window was handed out */
  submitCpuMs: number;
  /** CPU of the whole process over the drain window */
  drainCpuMs: number;
  /** tasks finished inside the measured drain window (none finish before it: the engine holds them until then) */
  done: number;
  seconds: number;
  whole: boolean;
  counts: Record<string, number> | string;
  rss0MB: number;
  peakRssMB: number;
  heapMB: number;
  baseline: { jobs: number; submitMs: number; submitCpuMs: number; done: number; seconds: number; drainCpuMs: number } | null;
}

/** CPU (user + system) this process used since `from`, in ms. */
const cpuMsSince = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

/**
 * An instant engine (a fake, named so: tasks start and end at once through the dispatcher's host, every
 * state change written as for a real one) that holds what it is handed until `open()`, so the submit is
 * measured without the drain behind it, and counts only tasks finished after `open()`.
 */
function heldInstantEngine(d: { host: { started: (f: { taskId: string; attempt: number }, now: number, x: null) => Promise<unknown>; finished: (f: { taskId: string; attempt: number }, r: { exitCode: number; startedAtMs: number; endedAtMs: number }) => Promise<boolean> } }) {
  let state: 'held' | 'open' | 'closed' = 'held';
  const held: ExecTask[] = [];
  const e = {
    done: 0,
    handed: 0,
    open() {
      state = 'open';
      for (const t of held.splice(0)) run(t);
    },
    close() {
      state = 'closed';
    },
    executor: {
      engine: 'agent',
      async submit(task: ExecTask) {
        e.handed++;
        if (state === 'held') held.push(task);
        else if (state === 'open') run(task);
      },
      async cancel() {},
      async recover() {},
      async close() {},
    } as Executor,
  };
  const run = (task: ExecTask) => setImmediate(async () => {
    const f = { taskId: task.taskId, attempt: task.attempt };
    const now = Date.now();
    await d.host.started(f, now, null);
    if (await d.host.finished(f, { exitCode: 0, startedAtMs: now, endedAtMs: now + 1 }) && state === 'open') e.done++;
  });
  return e;
}

/** Waits until `cond` or `ms` passed; true if it held. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!cond() && performance.now() < end) await new Promise((res) => setTimeout(res, 20));
  return cond();
}

/**
 * Submits one `tasks`-task array (cap `cap`) to a fresh platform: the submit is timed with the engine
 * holding what it is handed, then the dispatcher drains the array for a window of at most `seconds`;
 * then, as the baseline on the same platform, `baselineJobs` separate one-task jobs (the same command
 * and size) are submitted one POST each and drained for the same window.
 */
export async function drainArray(o: { tasks: number; cap: number; seconds: number; baselineJobs: number }): Promise<ArrayDrain> {
  // Each phase on stderr with its time: on a loaded machine the platform's start and the reads after the drain take minutes.
  const b0 = performance.now();
  const phase = (what: string) => process.stderr.write(`  … arrays: ${what} at ${((performance.now() - b0) / 1000).toFixed(1)} s\n`);
  const t = await startPlatform({ leaseMs: 60_000 });
  phase('platform up');
  try {
    const d = t.p.compute.dispatcher;
    const marker = `bench-array-${process.pid}`;
    let engine = heldInstantEngine(d);
    const before = d.route;
    d.route = (x) => (x.command === `echo ${marker}` ? engine.executor : (before?.(x) ?? null));
    const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    // No agents run here, so the live planner has no site to plan onto: the array is pinned to a site
    // (placed at the cheapest of its sites with free units, as pinned work is).
    const site = (await t.p.compute.network.listSites()).find((s) => !s.ownerTenantId && s.pools.some((p) => p.type === 'cpu'))!;
    const siteUnits = site.pools.find((p) => p.type === 'cpu')!.units;
    const body = { name: 'sweep', type: 'cpu', units: 1, hours: 0.01, command: `echo ${marker}`, sites: [site.id] };
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peakRss = rss0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await tenant.req('POST', '/api/jobs', { ...body, array: `0-${o.tasks - 1}%${o.cap}` });
    const submitMs = performance.now() - t0;
    if (r.status !== 201) throw new Error(`submit failed: ${r.status} ${JSON.stringify(r.body)}`);
    const id = r.body.id as string;
    // The first window: as many tasks as the cap, the dispatcher's window and the site's units allow at once.
    const firstWindow = Math.min(o.tasks, o.cap, 1000, siteUnits);
    const queuedMs = (await until(() => engine.handed >= firstWindow, 120_000)) ? performance.now() - t0 : null;
    const submitCpuMs = cpuMsSince(c0);
    phase(`array submitted (${engine.handed} tasks handed to the engine, held)`);

    const q0 = performance.now();
    const queued = await t.p.compute.planning.queued();
    const queueMs = performance.now() - q0;
    const mine = queued.filter((j) => j.id === id);

    const drain = async (total: number) => {
      const d0 = performance.now();
      const dc = process.cpuUsage();
      engine.open();
      // The engine's own count, not an API poll: while the dispatcher drains, a GET waits behind its database work.
      await until(() => engine.done >= total, o.seconds * 1000);
      engine.close();
      return { done: engine.done, seconds: (performance.now() - d0) / 1000, cpuMs: cpuMsSince(dc) };
    };
    const a = await drain(o.tasks);
    phase(`array drain ended, ${a.done} tasks done`);
    // Under load the read can time out behind the dispatcher's database work: then the counts say so, the run goes on.
    const read = await tenant.req('GET', `/api/jobs/${id}`);
    const counts: Record<string, number> | string = read.status === 200 && read.body ? read.body.array.counts : `not read: GET /api/jobs/:id answered ${read.status}`;
    const heap = process.memoryUsage().heapUsed;
    if (!(read.status === 200 && read.body?.status === 'succeeded')) await tenant.req('POST', `/api/jobs/${id}/cancel`);
    phase('rest of the array cancelled');

    let baseline: ArrayDrain['baseline'] = null;
    if (o.baselineJobs > 0) {
      engine = heldInstantEngine(d);
      const s0 = performance.now();
      const sc = process.cpuUsage();
      for (let i = 0; i < o.baselineJobs; i++) {
        const rj = await tenant.req('POST', '/api/jobs', { ...body, name: `sweep-${i}` });
        if (rj.status !== 201) throw new Error(`baseline submit failed: ${rj.status} ${JSON.stringify(rj.body)}`);
      }
      const bSubmitMs = performance.now() - s0;
      const bSubmitCpuMs = cpuMsSince(sc);
      phase(`baseline: ${o.baselineJobs} separate jobs submitted`);
      const b = await drain(o.baselineJobs);
      baseline = { jobs: o.baselineJobs, submitMs: bSubmitMs, submitCpuMs: bSubmitCpuMs, done: b.done, seconds: b.seconds, drainCpuMs: b.cpuMs };
      phase(`baseline drain ended, ${b.done} done`);
    }
    clearInterval(sampler);
    return {
      site: site.id, siteUnits, submitMs, queuedMs, firstWindow, queueEntries: mine.length,
      queueDesc: mine.map((j) => `${j.units} units × ${j.hours.toFixed(2)} h`).join(''), queueMs, submitCpuMs, drainCpuMs: a.cpuMs, done: a.done, seconds: a.seconds, whole: a.done >= o.tasks,
      counts, rss0MB: Math.round(rss0 / MB), peakRssMB: Math.round(peakRss / MB), heapMB: Math.round(heap / MB), baseline,
    };
  } finally {
    await t.close();
  }
}

/** The measured rows of one array run and its baseline, side by side (no figure extrapolated). */
export function arrayRows(r: ArrayDrain, o: { tasks: number; cap: number; seconds: number }): { measure: string; array: string; baseline: string }[] {
  const b = r.baseline;
  const rate = (done: number, s: number) => `${done.toLocaleString('en')} in ${s.toFixed(1)} s = ${(done / s).toFixed(0)} tasks/s`;
  return [
    { measure: 'work submitted', array: `1 array of ${o.tasks.toLocaleString('en')} tasks, cap ${o.cap}`, baseline: b ? `${b.jobs.toLocaleString('en')} separate 1-task jobs (same command, same site)` : '–' },
    { measure: 'submit: API calls until all stored (201)', array: `${r.submitMs.toFixed(0)} ms (1 POST)`, baseline: b ? `${b.submitMs.toFixed(0)} ms (${b.jobs.toLocaleString('en')} POSTs, ${(b.submitMs / b.jobs).toFixed(1)} ms each)` : '–' },
    { measure: `submit until the first window (${r.firstWindow} tasks) was made and handed out`, array: r.queuedMs === null ? 'not within 120 s' : `${r.queuedMs.toFixed(0)} ms`, baseline: '–' },
    {
      measure: 'submit: process CPU (server and client) from the first POST until the work was handed out, per task handed out',
      array: `${r.submitCpuMs.toFixed(0)} ms for the first ${r.firstWindow} tasks = ${(r.submitCpuMs / r.firstWindow).toFixed(2)} ms/task`,
      baseline: b ? `${b.submitCpuMs.toFixed(0)} ms for ${b.jobs.toLocaleString('en')} jobs = ${(b.submitCpuMs / b.jobs).toFixed(2)} ms/job` : '–',
    },
    { measure: "planner's queue read (PlanningQueue.queued)", array: `${r.queueEntries} entry (${r.queueDesc}) in ${r.queueMs.toFixed(0)} ms`, baseline: '–' },
    { measure: `drain: tasks finished in a window of ${o.seconds} s (its measured length given: the database's work can hold the clock check back)`, array: `${rate(r.done, r.seconds)}${r.whole ? ' — the whole array' : ` — ${(o.tasks - r.done).toLocaleString('en')} not drained in the window (cancelled)`}`, baseline: b ? `${rate(b.done, b.seconds)}${b.done >= b.jobs ? ' — all of them' : ''}` : '–' },
    {
      measure: 'drain: process CPU over the window per task finished (the array makes and places its tasks in it; the baseline\'s were placed at submit)',
      array: r.done ? `${(r.drainCpuMs / r.done).toFixed(2)} ms/task` : '–',
      baseline: b?.done ? `${(b.drainCpuMs / b.done).toFixed(2)} ms/task` : '–',
    },
    { measure: 'task counts read after the window (tasks in flight at its end finish meanwhile, uncounted above)', array: typeof r.counts === 'string' ? r.counts : JSON.stringify(r.counts), baseline: '–' },
    { measure: `peak RSS over the run (start ${r.rss0MB} MB)`, array: `${r.peakRssMB} MB (array and baseline)`, baseline: '' },
  ];
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('arrays', args, {
    tasks: { type: 'count', default: 100_000, help: 'indices in the array' },
    cap: { type: 'count', default: 1000, help: 'the array\'s %cap (tasks running at once)' },
    seconds: { type: 'count', default: 60, help: 'the drain window: tasks finished within it are counted (the whole array when it is done sooner), the rest cancelled' },
    'baseline-jobs': { type: 'count', default: 1000, help: 'separate one-task jobs submitted as the baseline (0: none)' },
  });
  if (!a) return;
  const o = { tasks: a.tasks, cap: a.cap, seconds: a.seconds, baselineJobs: a['baseline-jobs'] };
  const t0 = performance.now();
  const r = await drainArray(o);
  console.log(`\narrays: at ${r.site} (${r.siteUnits} cpu units), PGlite, an instant engine (a fake: tasks start and end at once, every state change written); run took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log('| measure | array | baseline |');
  console.log('| --- | --- | --- |');
  for (const row of arrayRows(r, o)) console.log(`| ${row.measure} | ${row.array} | ${row.baseline} |`);
}
