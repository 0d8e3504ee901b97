// Preemption on a real one-node Slurm: a checkpointing counter job is requeued (`scontrol requeuehold`)
// and resumes from its SHUZHI_CHECKPOINT_DIR — as the same Slurm job at the same site, and from the
// kept archive at another site — with every unit done exactly once; `scontrol suspend`/`resume` keeps
// the process (same PID, the counter never restarts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Fence } from '@shuzhi/schema';
import { SlurmExecutor, type ExecTask, type SlurmSiteConfig } from '@shuzhi/server/testing';
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
  test('requeued at one site and resumed there: the same Slurm job is released and resumes from its checkpoint; every unit done once', async () => {
    const host = new PreemptHost();
    const ex = new SlurmExecutor(siteConfig(slurm, 'slurm-a'), { host });
    try {
      const first = suiteTask('slurm-a', COUNTER, { checkpoint: true });
      const before = await preemptMidway(ex, host, first);
      const firstJob = /queued in Slurm as job (\d+)/.exec(host.logText(first, 'system'))![1];

      const second: ExecTask = Object.assign({ ...first, attempt: 1 }, { env: {} });
      await ex.submit(second);
      const end = await host.waitForEnd(second);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 0, host.describe());
      assert.match(host.logText(second, 'system'), new RegExp(`Slurm job ${firstJob} \\(requeued when preempted\\) released`));
      const out = host.logText(second, 'stdout');
      assert.match(out, new RegExp(`resumed at unit ${before.length}\\n`));
      assert.deepEqual([...before, ...unitsOf(out)], Array.from({ length: UNITS }, (_, i) => i + 1));
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
      const atSuspend = unitsOf(host.logText(task, 'stdout')).length;
      // Suspended for longer than several units would take: no unit may appear meanwhile (one in flight at most).
      await new Promise((r) => setTimeout(r, 2000));
      assert.ok(unitsOf(host.logText(task, 'stdout')).length <= atSuspend + 1, host.logText(task, 'stdout'));
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
});
