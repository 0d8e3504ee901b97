// Preemption on a real one-node Slurm: a checkpointing counter job is requeued (`scontrol requeuehold`)
// and resumes from its SHUZHI_CHECKPOINT_DIR — as the same Slurm job at the same site, and from the
// kept archive at another site — with every unit done exactly once; `scontrol suspend`/`resume` keeps
// the process (same PID, the counter never restarts); and in the live path, a platform whose Slurm site
// allows suspend pauses a job in place for a window, keeps the pause across a restart, resumes it at the
// window and meters and bills it without the suspended interval.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Fence } from '@shuzhi/schema';
import { SlurmExecutor, type ExecTask, type HeldJob, type SlurmSiteConfig } from '@shuzhi/server/testing';
import { client, login, smallSite, startPlatform, waitUntil as waitFor, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { migratedDataDir } from '../../packages/server/test/pglite-template.ts';
import { serverDataDir, startSlurm } from '../support/slurm.ts';
import type { SlurmHandle } from '../support/slurm.ts';
import { RecordingHost, suiteTask } from './executor-suite.ts';

let slurm: SlurmHandle;
const data = serverDataDir();

function siteConfig(s: SlurmHandle, siteId: string): SlurmSiteConfig {
  return {
    siteId,
    connection: { kind: 'cli', slurmConf: s.conf },
    partition: s.partition,
    workRoot: join(data.dir, 'slurm', siteId),
    // Two "sites" on one cluster: separate job roots, so nothing is shared between them but the host's store.
    jobRoot: join(s.jobDir, siteId),
    accounting: 'jobcomp',
    pollMs: 300,
    backoff: { initialMs: 500, maxMs: 3000 },
    commandTimeoutMs: 20_000,
    vanishGraceMs: 20_000,
    sacctWaitMs: 3000,
  };
}

/** The recording host, plus what a preempting host does: note the preempted end, keep the archive by task. */
class PreemptHost extends RecordingHost {
  readonly preemptEnds: Fence[] = [];
  /** Outlives an executor, as the server's slurm_held_jobs table outlives the server. */
  readonly held = new Map<string, HeldJob>();
  readonly heldJobs = {
    list: async (siteId: string) => [...this.held.entries()].filter(([k]) => k.startsWith(`${siteId}/`)).map(([, h]) => h),
    put: async (siteId: string, h: HeldJob) => void this.held.set(`${siteId}/${h.taskId}`, h),
    drop: async (siteId: string, taskId: string) => void this.held.delete(`${siteId}/${taskId}`),
  };
  readonly archives = new Map<string, { attempt: number; archive: Buffer }>();
  async preemptEnded(f: Fence): Promise<boolean> {
    this.preemptEnds.push({ ...f });
    return true;
  }
  async saveCheckpoint(f: Fence, archive: Buffer): Promise<void> {
    this.archives.set(f.taskId, { attempt: f.attempt, archive });
  }
  async checkpointOf(f: Fence): Promise<Buffer | null> {
    const kept = this.archives.get(f.taskId);
    return kept && kept.attempt < f.attempt ? kept.archive : null;
  }
}

const UNITS = 24;
/** Counts units; on SIGTERM finishes the unit under way, writes its progress to the checkpoint dir and exits. */
const COUNTER = `i=0
if [ -f "$SHUZHI_CHECKPOINT_DIR/progress" ]; then i=$(cat "$SHUZHI_CHECKPOINT_DIR/progress"); echo "resumed at unit $i"; fi
echo "pid $$"
stop=
trap 'stop=1' TERM
while [ "$i" -lt ${UNITS} ] && [ -z "$stop" ]; do sleep 0.25; i=$((i+1)); echo "unit $i"; done
if [ -n "$stop" ]; then echo "$i" > "$SHUZHI_CHECKPOINT_DIR/progress"; echo "stopped at unit $i"; exit 143; fi
echo "all $i units done"`;

const unitsOf = (text: string) => text.split('\n').flatMap((l) => (/^unit (\d+)$/.exec(l) ? [Number(/^unit (\d+)$/.exec(l)![1])] : []));

async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The number of units once it stayed the same for `ms` (polled every 200 ms; longer than the executor's log poll). */
async function settledUnits(text: () => string | Promise<string>, ms = 1000): Promise<number> {
  let n = unitsOf(await text()).length;
  for (let same = 0; same < ms / 200; ) {
    await new Promise((r) => setTimeout(r, 200));
    const m = unitsOf(await text()).length;
    same = m === n ? same + 1 : 0;
    n = m;
  }
  return n;
}

/** Runs attempt 0 until it did some units, preempts it and waits for the preempted end with its archive. */
async function preemptMidway(ex: SlurmExecutor, host: PreemptHost, task: ExecTask): Promise<number[]> {
  await ex.submit(task);
  await waitUntil('a few units done', () => unitsOf(host.logText(task, 'stdout')).length >= 4);
  await ex.preempt(task, 2000, 'cheaper-window');
  await waitUntil('the preempted end', () => host.preemptEnds.some((f) => f.taskId === task.taskId && f.attempt === task.attempt));
  assert.equal(host.of(task).some((e) => e.kind === 'finished' || e.kind === 'lost'), false, host.describe());
  assert.match(host.logText(task, 'system'), /requeued and held/);
  assert.match(host.logText(task, 'system'), /checkpoint saved from SHUZHI_CHECKPOINT_DIR/);
  assert.ok(host.archives.has(task.taskId), 'no checkpoint archive kept');
  return unitsOf(host.logText(task, 'stdout'));
}

before(async () => {
  slurm = await startSlurm();
});
after(async () => {
  await slurm?.stop();
  data.remove();
});

describe('preemption on Slurm', () => {
  test('requeued at one site and resumed there, across a restart of the executor: the same Slurm job is released and resumes from its checkpoint; every unit done once', async () => {
    const host = new PreemptHost();
    let ex = new SlurmExecutor(siteConfig(slurm, 'slurm-a'), { host });
    try {
      const first = suiteTask('slurm-a', COUNTER, { checkpoint: true });
      const before = await preemptMidway(ex, host, first);
      const firstJob = /queued in Slurm as job (\d+)/.exec(host.logText(first, 'system'))![1];
      assert.equal(host.held.get(`slurm-a/${first.taskId}`)?.slurmJobId, firstJob, 'the held job is kept by the host');
      // The server restarts: a new executor knows the held job only from the host's table.
      await ex.close();
      ex = new SlurmExecutor(siteConfig(slurm, 'slurm-a'), { host });

      const second: ExecTask = Object.assign({ ...first, attempt: 1 }, { env: {} });
      await ex.submit(second);
      const end = await host.waitForEnd(second);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 0, host.describe());
      assert.match(host.logText(second, 'system'), new RegExp(`Slurm job ${firstJob} \\(requeued when preempted\\) released`));
      const out = host.logText(second, 'stdout');
      assert.match(out, new RegExp(`resumed at unit ${before.length}\\n`));
      assert.deepEqual([...before, ...unitsOf(out)], Array.from({ length: UNITS }, (_, i) => i + 1));
      assert.equal(host.held.size, 0, 'released: no longer held');
    } finally {
      await ex.close();
    }
  });

  test('requeued at one site and resumed at another: the checkpoint travels through the host, every unit done once', async () => {
    const host = new PreemptHost();
    const a = new SlurmExecutor(siteConfig(slurm, 'slurm-b1'), { host });
    const b = new SlurmExecutor(siteConfig(slurm, 'slurm-b2'), { host });
    try {
      const first = suiteTask('slurm-b1', COUNTER, { checkpoint: true });
      const before = await preemptMidway(a, host, first);
      const second: ExecTask = Object.assign({ ...first, attempt: 1, siteId: 'slurm-b2' }, { env: {} });
      await b.submit(second);
      const end = await host.waitForEnd(second);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 0, host.describe());
      assert.match(host.logText(second, 'system'), /checkpoint restored into SHUZHI_CHECKPOINT_DIR \(1 files/);
      assert.match(host.logText(second, 'system'), /queued in Slurm as job/);
      const out = host.logText(second, 'stdout');
      assert.match(out, new RegExp(`resumed at unit ${before.length}\\n`));
      assert.deepEqual([...before, ...unitsOf(out)], Array.from({ length: UNITS }, (_, i) => i + 1));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('suspend and resume keep the process: same PID, the counter goes on where it was', async () => {
    const host = new PreemptHost();
    const ex = new SlurmExecutor(siteConfig(slurm, 'slurm-c'), { host });
    try {
      const task = suiteTask('slurm-c', COUNTER, { checkpoint: true });
      await ex.submit(task);
      await waitUntil('a few units done', () => unitsOf(host.logText(task, 'stdout')).length >= 3);
      await ex.suspend(task);
      // Output written just before the SIGSTOP still reaches the host on the next polls (a loaded machine
      // lags): the count is taken once it held for a second.
      const atSuspend = await settledUnits(() => host.logText(task, 'stdout'));
      // Suspended for longer than several units would take: no unit may appear meanwhile.
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(unitsOf(host.logText(task, 'stdout')).length, atSuspend, host.logText(task, 'stdout'));
      await ex.resume(task);
      const end = await host.waitForEnd(task);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 0, host.describe());
      const out = host.logText(task, 'stdout');
      assert.equal(out.match(/^pid \d+$/gm)?.length, 1, out);
      assert.doesNotMatch(out, /resumed at unit/);
      assert.deepEqual(unitsOf(out), Array.from({ length: UNITS }, (_, i) => i + 1));
      assert.match(host.logText(task, 'system'), /suspended in Slurm[\s\S]*resumed in Slurm/);
      assert.equal(host.preemptEnds.length, 0);
    } finally {
      await ex.close();
    }
  });

  test('a suspended job preempted: resumed first, so its SIGTERM is handled and it checkpoints; released, it resumes from there, every unit done once', async () => {
    // Slurm requeues a SUSPENDED job at once but kills its stopped processes without running their TERM
    // trap (seen on Slurm 22.05): the executor resumes it before `scontrol requeuehold`.
    const host = new PreemptHost();
    const ex = new SlurmExecutor(siteConfig(slurm, 'slurm-d'), { host });
    try {
      const first = suiteTask('slurm-d', COUNTER, { checkpoint: true });
      await ex.submit(first);
      await waitUntil('a few units done', () => unitsOf(host.logText(first, 'stdout')).length >= 4);
      await ex.suspend(first);
      await settledUnits(() => host.logText(first, 'stdout'));
      await ex.preempt(first, 2000, 'higher-priority');
      await waitUntil('the preempted end', () => host.preemptEnds.some((f) => f.taskId === first.taskId && f.attempt === first.attempt));
      assert.match(host.logText(first, 'stdout'), /stopped at unit \d+/, 'the job handled its SIGTERM');
      assert.ok(host.archives.has(first.taskId), 'no checkpoint archive kept');
      const before = unitsOf(host.logText(first, 'stdout'));

      const second: ExecTask = Object.assign({ ...first, attempt: 1 }, { env: {} });
      await ex.submit(second);
      const end = await host.waitForEnd(second);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 0, host.describe());
      const out = host.logText(second, 'stdout');
      assert.match(out, new RegExp(`resumed at unit ${before.length}\\n`));
      assert.deepEqual([...before, ...unitsOf(out)], Array.from({ length: UNITS }, (_, i) => i + 1));
    } finally {
      await ex.close();
    }
  });
});

describe('suspend in the live path', () => {
  test('a site that allows suspend: the job is suspended in place for its window, a restart keeps the pause, it resumes at the window as the same process; its suspended interval is neither metered nor billed', async () => {
    const dataDir = await migratedDataDir();
    let t: TestPlatform | null = null;
    try {
      t = await startPlatform({ dataDir });
      const s = smallSite('ss-slurm');
      await t.p.compute.network.createSite({
        ...s,
        engine: 'slurm',
        pools: [{ ...s.pools[0]!, units: 2, busyW: 1000, idleW: 0, fenPerUnitHour: 100 }],
        slurm: { mode: 'cli', slurmConf: slurm.conf, partition: slurm.partition, accounting: 'jobcomp', jobUser: slurm.jobUser.name, jobDir: slurm.jobDir, preemption: 'suspend' },
      }, 'test');
      let tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
      const stdout = async (id: string) =>
        ((await tenant.req('GET', `/api/jobs/${id}/logs`)).body.items as { stream: string; text: string }[]).filter((l) => l.stream === 'stdout').map((l) => l.text).join('');
      const r = await tenant.req('POST', '/api/jobs', { name: 'counter', type: 'cpu', units: 1, hours: 1, command: COUNTER, sites: ['ss-slurm'], checkpoint: true });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const id = (r.body as { id: string }).id;
      await waitUntil('a few units done', async () => unitsOf(await stdout(id)).length >= 3, 120_000);
      const a = await waitFor('its attempt started', async () => [...t!.p.compute.dispatcher.host.attempts.values()].find((x) => x.jobId === id && x.startedAt !== null));
      // The preemptor's call for a window it priced; the window is a few seconds off, on the real clock.
      const w = { resumeAtMs: Date.now() + 25_000, saveFen: 120, saveKg: 0.4 };
      const suspended = await t.p.compute.dispatcher.suspendForWindow(a.taskId, w);
      const system = ((await tenant.req('GET', `/api/jobs/${id}/logs`)).body.items as { stream: string; text: string }[]).filter((l) => l.stream === 'system').map((l) => l.text).join('');
      assert.equal(suspended, true, `${JSON.stringify({ startedAt: a.startedAt, suspension: a.suspension, siteId: a.siteId })}\n${system}`);
      const paused = (await tenant.req('GET', `/api/jobs/${id}`)).body;
      assert.equal(paused.status, 'running');
      assert.match(paused.explanation, /suspended in place for a cheaper window: saves ¥1\.20 \/ 0\.40 kg CO2e; resumes at /);
      assert.equal(paused.runs[0].suspensions.length, 1);
      assert.equal(paused.runs[0].suspensions[0].resumedAt, null);
      // The platform's executor forwards output every 2 s (its default poll): settle over more than that.
      const atSuspend = await settledUnits(() => stdout(id), 5000);

      // ---- the platform stops and starts again while the job is suspended ----
      await t.close();
      // The first server is gone before the window: only the restarted one can resume the job.
      assert.ok(Date.now() < w.resumeAtMs, 'the platform stopped before the window');
      t = await startPlatform({ dataDir });
      tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
      if (Date.now() < w.resumeAtMs - 1000) {
        // Started again before the window (a slow start may not be): it holds the suspension until then.
        const recovered = [...t.p.compute.dispatcher.host.attempts.values()].find((x) => x.jobId === id);
        assert.equal(recovered?.suspension?.window.resumeAtMs, w.resumeAtMs, 'the recovered attempt knows its window');
        assert.equal(unitsOf(await stdout(id)).length, atSuspend, 'no work while suspended');
      }

      const done = await waitFor('it finished', async () => {
        const b = (await tenant.req('GET', `/api/jobs/${id}`)).body;
        return ['succeeded', 'failed'].includes(b.status) ? b : null;
      }, 120_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      const out = await stdout(id);
      // One run, one process: suspended and resumed, never requeued nor restarted.
      assert.equal(done.runs.length, 1);
      assert.equal(out.match(/^pid \d+$/gm)?.length, 1, out);
      assert.deepEqual(unitsOf(out), Array.from({ length: UNITS }, (_, i) => i + 1));
      const run = done.runs[0];
      const sus = run.suspensions[0];
      assert.ok(Date.parse(sus.resumedAt) >= w.resumeAtMs, `resumed at ${sus.resumedAt}, window ${new Date(w.resumeAtMs).toISOString()}`);
      assert.equal(done.preemptions, 1);
      // Metered without the suspended interval: unit-hours are the run's span less it, to the millisecond.
      const suspendedMs = Date.parse(sus.resumedAt) - Date.parse(sus.from);
      const spanMs = Date.parse(run.endedAt) - Date.parse(run.startedAt);
      assert.ok(suspendedMs >= 24_000, `suspended ${suspendedMs} ms`);
      assert.ok(Math.abs(run.usage.unitHours * 3_600_000 - (spanMs - suspendedMs)) < 1, `unit-hours ${run.usage.unitHours}, span ${spanMs} ms, suspended ${suspendedMs} ms`);
      // Energy likewise: 1 unit × 1 kW × PUE 1.2 over the active time only.
      assert.ok(Math.abs(run.usage.energyKWh - (1.2 * (spanMs - suspendedMs)) / 3_600_000) < 1e-9, JSON.stringify(run.usage));
      // Billed once, for the active time (100 fen per unit-hour, a flat price).
      const lines = await waitFor('its statement line', async () => {
        // Statements are by month in Beijing time (UTC+8), the month the run ended in.
        const st = (await tenant.req('GET', `/api/billing/statements/${new Date(Date.parse(run.endedAt) + 8 * 3_600_000).toISOString().slice(0, 7)}`)).body;
        const mine = (st.lines as { runId: string; jobId: string; unitHours: number }[]).filter((l) => l.jobId === id);
        return mine.length ? mine : null;
      }, 30_000);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.runId, run.id);
      assert.ok(Math.abs(lines[0]!.unitHours - run.usage.unitHours) < 1e-12);
    } finally {
      await t?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
