// The shared executor suite on our own agents. TEMPORARY adapter until the dispatcher implements
// Executor: submit() posts a job through the HTTP API to the only site with an agent online, and the
// host's reports are derived by polling the job, its runs and its logs.
import type { Fence } from '@shuzhi/schema';
import type { ExecTask, Executor } from '@shuzhi/server/testing';
import { client, login, newWorker, smallSite, startPlatform } from '../../packages/server/test/helpers.ts';
import type { TestPlatform } from '../../packages/server/test/helpers.ts';
import { RecordingHost, executorSuite } from './executor-suite.ts';

const SITE = 'exec-suite-agent';
const POLL_MS = 150;

interface Watched {
  task: ExecTask;
  jobId: string;
  logCursor: number;
  started: boolean;
  done: boolean;
}

type Api = ReturnType<typeof client>;

class ApiAgentExecutor implements Executor {
  readonly engine = 'agent' as const;
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly api: Api,
    private readonly host: RecordingHost,
  ) {}

  async submit(task: ExecTask): Promise<void> {
    const r = await this.api.req('POST', '/api/jobs', {
      name: task.jobName,
      type: task.type,
      units: task.units,
      hours: task.hours,
      command: task.command,
      env: task.env,
      regions: [smallSite(SITE).region],
    });
    if (r.status !== 201) throw new Error(`submit failed: ${r.status} ${JSON.stringify(r.body)}`);
    this.watched.set(task.taskId, { task, jobId: r.body.id as string, logCursor: 0, started: false, done: false });
    this.timer ??= setInterval(() => void (this.polling ??= this.poll().finally(() => (this.polling = null))), POLL_MS);
  }

  async cancel(fence: Fence): Promise<void> {
    const w = this.watched.get(fence.taskId);
    if (!w || w.done || fence.attempt !== w.task.attempt) return;
    w.done = true;
    await this.api.req('POST', `/api/jobs/${w.jobId}/cancel`);
  }

  async recover(): Promise<void> {}

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  private async poll(): Promise<void> {
    for (const w of this.watched.values()) {
      if (w.done) continue;
      const fence = { taskId: w.task.taskId, attempt: w.task.attempt };
      const job = (await this.api.req('GET', `/api/jobs/${w.jobId}`)).body;
      const run = (job?.runs ?? [])[0] as { status: string; startedAt: string; endedAt: string | null; exitCode: number | null; attempt: number } | undefined;
      if (run && !w.started) {
        w.started = true;
        await this.host.started(fence, Date.parse(run.startedAt));
      }
      const lines = (await this.api.req('GET', `/api/jobs/${w.jobId}/logs?after=${w.logCursor}`)).body?.items ?? [];
      const mine = (lines as { seq: number; attempt: number; stream: 'stdout' | 'stderr' | 'system'; text: string }[]).filter((l) => l.attempt === run?.attempt);
      if (lines.length > 0) w.logCursor = Math.max(w.logCursor, ...lines.map((l: { seq: number }) => l.seq));
      if (mine.length > 0) await this.host.logs(fence, mine.map((l) => ({ stream: l.stream, text: l.text })));
      if (!run || run.status === 'running') continue;
      w.done = true;
      if (run.status === 'lost') {
        await this.host.lost(fence, 'the platform requeued the task (agent lease expired)');
        // The suite only watches attempt 0; the requeued attempt must not hold the agent's slot.
        await this.api.req('POST', `/api/jobs/${w.jobId}/cancel`);
      } else if (run.status === 'succeeded' || run.status === 'failed') {
        await this.host.finished(fence, {
          exitCode: run.exitCode ?? 1,
          startedAtMs: Date.parse(run.startedAt),
          endedAtMs: run.endedAt ? Date.parse(run.endedAt) : Date.now(),
        });
      }
    }
  }
}

executorSuite('agent', async () => {
  const t: TestPlatform = await startPlatform({ leaseMs: 1500 });
  const op = client(t.url, { cookie: await login(t.url, 'operator') });
  const created = await op.req('POST', '/api/sites', smallSite(SITE));
  if (created.status !== 201) throw new Error(`site: ${created.status} ${JSON.stringify(created.body)}`);
  let agents = 0;
  let agent = await newWorker(t, SITE, `suite-agent-${agents++}`, { slots: 2 });
  agent.start();
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const host = new RecordingHost();
  const executor = new ApiAgentExecutor(tenant, host);
  return {
    executor,
    host,
    siteId: SITE,
    accounts: false,
    async loseWorker() {
      await agent.stop({ kill: true });
      agent = await newWorker(t, SITE, `suite-agent-${agents++}`, { slots: 2 });
      agent.start();
    },
    async cleanup() {
      await executor.close();
      await agent.stop();
      await t.close();
    },
  };
});
