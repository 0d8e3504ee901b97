// `npm run bench -- arrays`: a 100,000-task array through the real platform (PGlite): submit, what the
// planner reads, and the dispatcher making and placing its tasks window by window. Tasks go to an
// instant engine (started and finished at once through the dispatcher's host, every state change
// written as for a real one), so the figures are the platform's own cost per task, not a workload's.
import { performance } from 'node:perf_hooks';
import { benchArgs } from '../args.ts';
import type { ExecTask, Executor } from '@shuzhi/server/testing';
import { client, login, startPlatform } from '../../packages/server/test/helpers.ts';

const MB = 1024 * 1024;

/** What draining one array through the platform measured. */
export interface ArrayDrain {
  site: string;
  siteUnits: number;
  submitMs: number;
  queueEntries: number;
  queueDesc: string;
  queueMs: number;
  done: number;
  seconds: number;
  whole: boolean;
  counts: Record<string, number>;
  rss0MB: number;
  peakRssMB: number;
  heapMB: number;
}

/** Submits one `tasks`-task array (cap `cap`) to a fresh platform and lets the dispatcher drain it for at most `seconds`. */
export async function drainArray(o: { tasks: number; cap: number; seconds: number }): Promise<ArrayDrain> {
  // Each phase on stderr with its time: on a loaded machine the platform's start and the reads after the drain take minutes.
  const b0 = performance.now();
  const phase = (what: string) => process.stderr.write(`  … arrays: ${what} at ${((performance.now() - b0) / 1000).toFixed(1)} s\n`);
  const t = await startPlatform({ leaseMs: 60_000 });
  phase('platform up');
  try {
    const d = t.p.compute.dispatcher;
    const marker = `bench-array-${process.pid}`;
    let done = 0;
    // Past the drain's end the engine takes no more tasks, so the platform quiets down for the last reads and the cancel.
    let open = true;
    const instant: Executor = {
      engine: 'agent',
      async submit(task: ExecTask) {
        if (!open) return;
        setImmediate(async () => {
          const f = { taskId: task.taskId, attempt: task.attempt };
          const now = Date.now();
          await d.host.started(f, now, null);
          if (await d.host.finished(f, { exitCode: 0, startedAtMs: now, endedAtMs: now + 1 })) done++;
        });
      },
      async cancel() {},
      async recover() {},
      async close() {},
    };
    const before = d.route;
    d.route = (x) => (x.command === `echo ${marker}` ? instant : (before?.(x) ?? null));
    const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    // No agents run here, so the live planner has no site to plan onto: the array is pinned to a site
    // (placed at the cheapest of its sites with free units, as pinned work is).
    const site = (await t.p.compute.network.listSites()).find((s) => !s.ownerTenantId && s.pools.some((p) => p.type === 'cpu'))!;
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peakRss = rss0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

    const t0 = performance.now();
    const r = await tenant.req('POST', '/api/jobs', { name: 'sweep', type: 'cpu', units: 1, hours: 0.01, command: `echo ${marker}`, sites: [site.id], array: `0-${o.tasks - 1}%${o.cap}` });
    const submitMs = performance.now() - t0;
    phase('array submitted');
    if (r.status !== 201) throw new Error(`submit failed: ${r.status} ${JSON.stringify(r.body)}`);
    const id = r.body.id as string;

    const q0 = performance.now();
    const queued = await t.p.compute.planning.queued();
    const queueMs = performance.now() - q0;
    const mine = queued.filter((j) => j.id === id);

    const d0 = performance.now();
    const deadline = d0 + o.seconds * 1000;
    // The engine's own count, not an API poll: while the dispatcher drains, a GET waits behind its database
    // work for tens of seconds on a loaded machine, and a poll-driven loop overran its deadline by many minutes.
    while (performance.now() < deadline && done < o.tasks) await new Promise((res) => setTimeout(res, 200));
    open = false;
    const seconds = (performance.now() - d0) / 1000;
    const doneAtEnd = done;
    phase(`drain ended, ${done} tasks done`);
    const job = (await tenant.req('GET', `/api/jobs/${id}`)).body;
    const status = job.status as string;
    clearInterval(sampler);
    const heap = process.memoryUsage().heapUsed;
    phase('final read');
    if (status !== 'succeeded') await tenant.req('POST', `/api/jobs/${id}/cancel`);
    phase('rest cancelled');
    return {
      site: site.id, siteUnits: site.pools.find((p) => p.type === 'cpu')!.units, submitMs, queueEntries: mine.length,
      queueDesc: mine.map((j) => `${j.units} units × ${j.hours.toFixed(2)} h`).join(''), queueMs, done: doneAtEnd, seconds, whole: doneAtEnd >= o.tasks,
      counts: job.array.counts, rss0MB: Math.round(rss0 / MB), peakRssMB: Math.round(peakRss / MB), heapMB: Math.round(heap / MB),
    };
  } finally {
    await t.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('arrays', args, {
    tasks: { type: 'count', default: 100_000, help: 'indices in the array' },
    cap: { type: 'count', default: 1000, help: 'the array\'s %cap (tasks running at once)' },
    seconds: { type: 'count', default: 60, help: 'how long to let the dispatcher drain the array before cancelling the rest (the whole array when it is done sooner)' },
  });
  if (!a) return;
  const r = await drainArray({ tasks: a.tasks, cap: a.cap, seconds: a.seconds });
  console.log(`\narrays: one ${a.tasks.toLocaleString('en')}-task array, cap ${a.cap}, at ${r.site} (${r.siteUnits} cpu units), PGlite, instant engine`);
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(`| submit (POST /api/jobs, one record) | ${r.submitMs.toFixed(0)} ms |`);
  console.log(`| planner's queue read: entries for the array | ${r.queueEntries} (${r.queueDesc}) in ${r.queueMs.toFixed(0)} ms |`);
  console.log(`| tasks finished in ${r.seconds.toFixed(1)} s | ${r.done.toLocaleString('en')} (${(r.done / r.seconds).toFixed(0)} tasks/s)${r.whole ? ' — the whole array' : ''} |`);
  console.log(`| task counts at the end | ${JSON.stringify(r.counts)} |`);
  console.log(`| peak RSS over the run (start ${r.rss0MB} MB) | ${r.peakRssMB} MB |`);
  console.log(`| heap used at the end | ${r.heapMB} MB |`);
  if (!r.whole) console.log(`| time to drain all at this rate (extrapolated, not measured) | ${(a.tasks / (r.done / r.seconds) / 60).toFixed(1)} min |`);
}
