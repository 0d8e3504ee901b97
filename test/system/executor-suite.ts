// The shared executor suite (DESIGN.md: one suite per engine interface). Every Executor — our agents,
// Slurm — must pass it. An engine plugs in through `executorSuite(name, make)`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Fence } from '@shuzhi/schema';
import type { ExecLog, ExecResult, ExecTask, Executor, ExecutorHost } from '@shuzhi/server/testing';

export type HostEvent =
  | { kind: 'started'; fence: Fence; atMs: number; receivedAt: number }
  | { kind: 'logs'; fence: Fence; logs: ExecLog[]; receivedAt: number }
  | { kind: 'finished'; fence: Fence; result: ExecResult; receivedAt: number }
  | { kind: 'lost'; fence: Fence; reason: string; receivedAt: number };

const sameFence = (a: Fence, b: Fence) => a.taskId === b.taskId && a.attempt === b.attempt;

/** An ExecutorHost that records every report and lets a test wait for one. */
export class RecordingHost implements ExecutorHost {
  readonly events: HostEvent[] = [];
  private readonly emitter = new EventEmitter();

  async started(fence: Fence, atMs: number): Promise<void> {
    this.push({ kind: 'started', fence: { ...fence }, atMs, receivedAt: Date.now() });
  }
  async logs(fence: Fence, logs: ExecLog[]): Promise<void> {
    this.push({ kind: 'logs', fence: { ...fence }, logs, receivedAt: Date.now() });
  }
  async finished(fence: Fence, result: ExecResult): Promise<void> {
    // Engines that hand over the last output with the result: it is output all the same.
    if (result.logs?.length) this.push({ kind: 'logs', fence: { ...fence }, logs: result.logs, receivedAt: Date.now() });
    this.push({ kind: 'finished', fence: { ...fence }, result, receivedAt: Date.now() });
  }
  async lost(fence: Fence, reason: string): Promise<void> {
    this.push({ kind: 'lost', fence: { ...fence }, reason, receivedAt: Date.now() });
  }

  /** Adapters that observe an engine from outside (the agent adapter) feed events in here. */
  push(e: HostEvent): void {
    this.events.push(e);
    this.emitter.emit('event', e);
  }

  of(fence: Fence): HostEvent[] {
    return this.events.filter((e) => sameFence(e.fence, fence));
  }

  logText(fence: Fence, stream?: ExecLog['stream']): string {
    return this.of(fence)
      .flatMap((e) => (e.kind === 'logs' ? e.logs : []))
      .filter((l) => stream === undefined || l.stream === stream)
      .map((l) => l.text)
      .join('');
  }

  /** Resolves with the first recorded event (past or future) that matches. */
  waitFor<E extends HostEvent>(what: string, pred: (e: HostEvent) => e is E, timeoutMs?: number): Promise<E>;
  waitFor(what: string, pred: (e: HostEvent) => boolean, timeoutMs?: number): Promise<HostEvent>;
  waitFor(what: string, pred: (e: HostEvent) => boolean, timeoutMs = 90_000): Promise<HostEvent> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onEvent = (e: HostEvent) => {
        if (!pred(e)) return;
        clearTimeout(timer);
        this.emitter.off('event', onEvent);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.emitter.off('event', onEvent);
        reject(new Error(`timed out waiting for ${what}; events so far:\n${this.describe()}`));
      }, timeoutMs);
      this.emitter.on('event', onEvent);
    });
  }

  /** Resolves once the log text of `fence` contains `text`. */
  async waitForLog(fence: Fence, text: string, timeoutMs?: number): Promise<void> {
    if (this.logText(fence).includes(text)) return;
    await this.waitFor(`log "${text}" of ${fence.taskId}`, (e) => e.kind === 'logs' && sameFence(e.fence, fence) && this.logText(fence).includes(text), timeoutMs);
  }

  waitForEnd(fence: Fence, timeoutMs?: number): Promise<Extract<HostEvent, { kind: 'finished' | 'lost' }>> {
    return this.waitFor(
      `finished or lost for ${fence.taskId}#${fence.attempt}`,
      (e): e is Extract<HostEvent, { kind: 'finished' | 'lost' }> => (e.kind === 'finished' || e.kind === 'lost') && sameFence(e.fence, fence),
      timeoutMs,
    );
  }

  describe(): string {
    return this.events
      .map((e) => `  ${e.fence.taskId}#${e.fence.attempt} ${e.kind}${e.kind === 'finished' ? ` exit=${e.result.exitCode}${e.result.error ? ` (${e.result.error})` : ''}` : e.kind === 'lost' ? ` ${e.reason}` : e.kind === 'logs' ? ` ${JSON.stringify(e.logs.map((l) => l.text).join('').slice(0, 120))}` : ''}`)
      .join('\n');
  }
}

export interface ExecutorUnderTest {
  executor: Executor;
  host: RecordingHost;
  /** The site tasks are addressed to. */
  siteId: string;
  /** Kills what runs this attempt the way a machine dies (Slurm: the node goes down; agents: the agent is killed). */
  loseWorker(fence: Fence): Promise<void>;
  /** Whether finished reports carry the engine's own accounting (Slurm's sacct). */
  accounts: boolean;
  /**
   * Every engine keeps tenant code away from the server: the server's data directory (private, as the
   * server keeps it) and a secret file in it. Tasks must run as a user other than root and must see neither.
   */
  isolation: {
    dataDir: string;
    secretFile: string;
    /** The secret file's content. */
    secret: string;
  };
  cleanup(): Promise<void>;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

let serial = 0;

/** A task for the suite: unique ids per call so tests never see each other's reports. */
export function suiteTask(siteId: string, command: string, extra: Partial<ExecTask> = {}): ExecTask {
  serial++;
  const id = `suite-${process.pid}-${Date.now().toString(36)}-${serial}`;
  const task: ExecTask = {
    taskId: id,
    attempt: 0,
    jobId: `job-${id}`,
    jobName: `suite ${serial}`,
    siteId,
    type: 'cpu',
    units: 1,
    hours: 0.1,
    command,
    env: {},
    tenantId: 'tianshan-ai',
    priority: 50,
    createdAtMs: Date.now(),
    readyAtMs: 0,
  };
  return Object.assign(task, extra);
}

/** What an engine is, known before it starts (tests are declared before `make` runs). */
export interface EngineTraits {
  /** Where the engine writes a task's stdout, relative to the task's working directory (Slurm: `stdout.log`); engines that pipe it (our agents) have none. */
  stdoutFile?: string;
}

export function executorSuite(name: string, make: () => Promise<ExecutorUnderTest>, traits: EngineTraits = {}): void {
  describe(`executor suite: ${name}`, () => {
    let ctx: ExecutorUnderTest;
    let scratch: string;
    before(async () => {
      ctx = await make();
      scratch = mkdtempSync(join(tmpdir(), 'shuzhi-exec-suite-'));
      // Tasks may run as an unprivileged user: let them write their markers here.
      chmodSync(scratch, 0o1777);
    });
    after(async () => {
      await ctx?.cleanup();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    test('submit → started → finished with exit 0; stdout, stderr and environment round-trip', async () => {
      const mark = `mark-${Date.now().toString(36)}`;
      const task = suiteTask(ctx.siteId, 'echo "hello $GREETING from $SUITE_MARK"; echo "to stderr" >&2', {
        env: { GREETING: "ni hao 你好 'quoted' $NOT_EXPANDED", SUITE_MARK: mark },
      });
      await ctx.executor.submit(task);
      const end = await ctx.host.waitForEnd(task);
      assert.equal(end.kind, 'finished', ctx.host.describe());
      assert.equal(end.result.exitCode, 0);
      const kinds = ctx.host.of(task).map((e) => e.kind);
      assert.equal(kinds.filter((k) => k === 'started').length, 1, 'started exactly once');
      assert.ok(kinds.indexOf('started') < kinds.indexOf('finished'), 'started before finished');
      assert.ok(end.result.startedAtMs <= end.result.endedAtMs);
      assert.match(ctx.host.logText(task, 'stdout'), new RegExp(`hello ni hao 你好 'quoted' \\$NOT_EXPANDED from ${mark}`));
      assert.match(ctx.host.logText(task, 'stderr'), /to stderr/);
    });

    test('a failing command reports its exit code', async () => {
      const task = suiteTask(ctx.siteId, 'echo about to fail; exit 7');
      await ctx.executor.submit(task);
      const end = await ctx.host.waitForEnd(task);
      assert.equal(end.kind, 'finished', ctx.host.describe());
      assert.equal(end.result.exitCode, 7);
      assert.match(ctx.host.logText(task, 'stdout'), /about to fail/);
    });

    test('logs arrive while the task runs, and cancel stops it', async () => {
      const marker = join(scratch, 'cancel-marker');
      const task = suiteTask(ctx.siteId, `echo begin; sleep 3; echo still here > ${marker}; echo end`);
      await ctx.executor.submit(task);
      await ctx.host.waitFor('started', (e) => e.kind === 'started' && sameFence(e.fence, task));
      await ctx.host.waitForLog(task, 'begin');
      await ctx.executor.cancel(task);
      // Give a task that was not stopped time to write its marker (sleep 3) and be reported.
      await new Promise((r) => setTimeout(r, 5000));
      assert.equal(existsSync(marker), false, 'the cancelled command went on running');
      const success = ctx.host.of(task).find((e) => e.kind === 'finished' && e.result.exitCode === 0);
      assert.equal(success, undefined, 'a cancelled task was reported as succeeded');
      assert.doesNotMatch(ctx.host.logText(task, 'stdout'), /end/);
      // Cancelling what the engine no longer holds is a no-op.
      await ctx.executor.cancel(task);
      await ctx.executor.cancel({ taskId: 'never-submitted', attempt: 3 });
    });

    test('a task whose worker dies is reported lost, never finished', async () => {
      const task = suiteTask(ctx.siteId, 'echo begin; sleep 60; echo end');
      await ctx.executor.submit(task);
      await ctx.host.waitFor('started', (e) => e.kind === 'started' && sameFence(e.fence, task));
      await ctx.host.waitForLog(task, 'begin');
      await ctx.loseWorker(task);
      const end = await ctx.host.waitForEnd(task);
      assert.equal(end.kind, 'lost', ctx.host.describe());
      assert.equal(ctx.host.of(task).filter((e) => e.kind === 'finished').length, 0);
    });

    test('usage is reported: elapsed time, and the allocation where the engine accounts', async () => {
      const task = suiteTask(ctx.siteId, 'sleep 2; echo done');
      await ctx.executor.submit(task);
      const end = await ctx.host.waitForEnd(task);
      assert.equal(end.kind, 'finished', ctx.host.describe());
      assert.equal(end.result.exitCode, 0);
      assert.ok(end.result.endedAtMs - end.result.startedAtMs >= 1000, `ran ${end.result.endedAtMs - end.result.startedAtMs} ms`);
      if (ctx.accounts) {
        const usage = end.result.engineUsage;
        assert.ok(usage, 'no engine usage');
        assert.ok(usage.elapsedSec > 0, `elapsed ${usage.elapsedSec}`);
        assert.ok((usage.allocTres['cpu'] ?? 0) >= 1, `allocated TRES ${JSON.stringify(usage.allocTres)}`);
      }
    });

    test('tasks run as an unprivileged user, never root', async () => {
      const task = suiteTask(ctx.siteId, 'echo "uid=$(id -u) gid=$(id -g)"');
      await ctx.executor.submit(task);
      const end = await ctx.host.waitForEnd(task);
      assert.equal(end.kind, 'finished', ctx.host.describe());
      const m = /uid=(\d+) gid=(\d+)/.exec(ctx.host.logText(task, 'stdout'));
      assert.ok(m, ctx.host.describe());
      assert.notEqual(Number(m[1]), 0, 'the task ran as root');
      assert.notEqual(Number(m[2]), 0, 'the task ran with the root group');
    });

    test("a task can neither list nor read the server's data directory", async () => {
      const { dataDir, secretFile, secret } = ctx.isolation;
      const task = suiteTask(
        ctx.siteId,
        `ls -la ${shq(dataDir)} && echo LISTED; cat ${shq(secretFile)} && echo READ; ls ${shq(join(dataDir, '*'))} && echo GLOBBED; echo checked`,
      );
      await ctx.executor.submit(task);
      const end = await ctx.host.waitForEnd(task);
      assert.equal(end.kind, 'finished', ctx.host.describe());
      const out = ctx.host.logText(task);
      assert.match(out, /checked/, ctx.host.describe());
      assert.doesNotMatch(out, /LISTED|READ|GLOBBED/, `the task saw the data dir:\n${out}`);
      assert.ok(!out.includes(secret), 'the secret reached the task');
      assert.ok(!out.includes(`${basename(secretFile)}\n`), `the task listed the data dir:\n${out}`);
      // Refused (Slurm: the directory is the server's, mode 0700) or not there at all (our agents: the
      // sandbox gives each task its own /tmp and shows it only its own directories).
      assert.match(ctx.host.logText(task, 'stderr'), /Permission denied|No such file or directory/);
    });

    // Only where the engine itself reads a file the task can replace.
    const { stdoutFile } = traits;
    if (stdoutFile) test('a task that swaps its output file for a symlink to a server secret gets nothing read through it', async () => {
      const { secretFile, secret } = ctx.isolation;
      // The link is made from inside the task, where the engine writes its stdout.
      const task = suiteTask(ctx.siteId, `ln -sf ${shq(secretFile)} ${shq(stdoutFile)} && echo swapped >&2; sleep 1; echo after-swap`);
      await ctx.executor.submit(task);
      const end = await ctx.host.waitForEnd(task);
      assert.equal(end.kind, 'finished', ctx.host.describe());
      assert.match(ctx.host.logText(task, 'stderr'), /swapped/, 'the task could not make the link');
      assert.ok(!ctx.host.logText(task).includes(secret), `the secret was read through the link:\n${ctx.host.describe()}`);
      assert.match(ctx.host.logText(task, 'system'), /stdout not read: .*symbolic link/, ctx.host.describe());
    });
  });
}
