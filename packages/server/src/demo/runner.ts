import { join } from 'node:path';
import { ShellRunner, Worker, type Sandbox } from '@shuzhi/agent';
import type { SubmitJob } from '@shuzhi/schema';
import { slurmAvailable, startLocalSlurm, type LocalSlurm } from '../compute/slurm/index.ts';
import type { Platform } from '../platform.ts';

/** The demo's supercomputing site, run by Slurm. */
const SLURM_SITE = 'xju-hpc';

/** Sites that get embedded agents, and the kind of demo work each sees. */
const AGENT_SITES = ['hami', 'karamay', 'shihezi', 'urumqi', 'chongqing'];

const DEMO_JOBS: (Omit<SubmitJob, 'env' | 'flex' | 'dataGB' | 'regions' | 'sites' | 'priority'> & {
  tenantId: string;
  regions?: string[];
  dataGB?: number;
  /** Due this many hours after submission (no deadline: the planner's default slack). */
  deadlineHours?: number;
})[] = [
  {
    name: 'LLM fine-tune shard',
    type: 'gpu',
    units: 8,
    hours: 2,
    tenantId: 'tianshan-ai',
    command: 'for i in 1 2 3 4 5 6; do echo "epoch step $i/6 loss=$(awk "BEGIN{print 2.0/$i}")"; sleep 2; done; echo done',
  },
  {
    name: 'Inference batch (Xinjiang only)',
    type: 'gpu',
    units: 4,
    hours: 1,
    tenantId: 'tianshan-ai',
    regions: ['xinjiang'],
    command: 'for i in $(seq 1 5); do echo "batch $i: 512 prompts"; sleep 1; done',
  },
  {
    name: 'Render frames 1-48',
    type: 'render',
    units: 16,
    hours: 1,
    tenantId: 'karamay-studio',
    command: 'for f in $(seq 1 12); do echo "Fra:$f rendered"; sleep 1; done',
  },
  {
    name: 'Model serving in Chongqing (weights from Hami)',
    type: 'gpu',
    units: 8,
    hours: 1,
    tenantId: 'tianshan-ai',
    home: 'hami',
    dataGB: 120,
    regions: ['chongqing'],
    command: 'echo "weights staged from Hami"; for i in 1 2 3 4; do echo "serving batch $i"; sleep 1; done',
  },
  {
    name: 'CFD mesh refinement (HPC)',
    type: 'cpu',
    units: 32,
    hours: 1,
    tenantId: 'xju-lab',
    deadlineHours: 1,
    command: 'echo "host $(hostname), Slurm job ${SLURM_JOB_ID:-none}"; for i in 1 2 3 4 5; do echo "refine level $i"; sleep 1; done',
  },
  {
    name: 'Genome alignment',
    type: 'cpu',
    units: 256,
    hours: 4,
    tenantId: 'xju-lab',
    command: 'echo "aligning reads"; sleep 5; sha256sum /etc/hostname; echo ok',
  },
];

/**
 * Gives the demo's Slurm site an engine: the machine's own Slurm when a controller answers, else a
 * one-node cluster started here (needs root and the Slurm daemons). Run before the platform starts, so
 * the site's executor is built on the right settings. Returns lines for the banner and a stop.
 */
export async function startDemoSlurm(p: Platform, siteId = SLURM_SITE): Promise<{ lines: string[]; stop: () => Promise<void> }> {
  const none = { stop: async () => undefined };
  const site = (await p.compute.network.listSites()).find((s) => s.id === siteId && s.engine === 'slurm');
  if (!site) return { lines: [], ...none };
  const avail = await slurmAvailable();
  if (!avail.ok) return { lines: [`Slurm site ${siteId}: no engine on this machine — ${avail.why}`], ...none };
  if (!avail.why) return { lines: [`Slurm site ${siteId}: uses this machine's Slurm controller`], ...none };
  // A one-node cluster declaring 64 CPUs: the demo's HPC jobs are light shell commands.
  const slurm: LocalSlurm = await startLocalSlurm({ declaredCpus: 64, partition: 'demo' });
  await p.compute.network.updateSite(
    siteId,
    // Jobs run as the cluster's unprivileged job user, in directories under the cluster's temp dir.
    { slurm: { mode: 'cli', slurmConf: slurm.conf, partition: slurm.partition, accounting: 'jobcomp', jobUser: slurm.jobUser.name, jobDir: slurm.jobDir } },
    'demo',
  );
  return {
    lines: [`Slurm site ${siteId}: one-node Slurm cluster started on this machine (${slurm.conf}); jobs run as ${slurm.jobUser.name} (uid ${slurm.jobUser.uid})`],
    stop: () => slurm.stop(),
  };
}

/** Embedded workers plus a trickle of demo jobs, so the dashboard is alive on first start. */
export class DemoRunner {
  private workers: Worker[] = [];
  private timer: NodeJS.Timeout | null = null;
  private n = 0;

  constructor(
    private readonly p: Platform,
    private readonly baseUrl: string,
    private readonly sandbox: Sandbox,
  ) {}

  /** Enrolls (or re-keys) the demo workers of each agent site as the operator and starts them. */
  async start(workersPerSite: number): Promise<void> {
    const operator = await this.p.auth.byOperatorName();
    if (!operator) return;
    for (const site of AGENT_SITES) {
      for (let i = 1; i <= workersPerSite; i++) {
        const name = `demo-${site}-${i}`;
        const { credential } = await this.p.workers.registry.ensureWorker(operator, site, name);
        const w = new Worker({
          server: this.baseUrl,
          credential,
          slots: 2,
          workDir: join(this.p.config.workDir, name),
          runners: [new ShellRunner()],
          sandbox: this.sandbox,
          log: (m) => this.p.log.debug({ worker: name }, m),
        });
        w.start();
        this.workers.push(w);
      }
    }
    if (this.workers.length) {
      this.timer = setInterval(() => void this.trickle().catch((err) => this.p.log.warn({ err }, 'demo job failed')), 6000);
      this.timer.unref();
    }
  }

  private async trickle(): Promise<void> {
    const c = this.p.compute.dispatcher.counts();
    if (c.running + c.planned + c.unplaced >= 8) return;
    const spec = DEMO_JOBS[this.n++ % DEMO_JOBS.length]!;
    const operator = await this.p.auth.byOperatorName();
    if (!operator) return;
    const { deadlineHours, ...rest } = spec;
    await this.p.compute.jobs.submit(operator, {
      ...rest,
      ...(deadlineHours ? { deadlineAt: new Date(Date.now() + deadlineHours * 3600_000).toISOString() } : {}),
      name: `${spec.name} #${this.n}`,
      env: {},
      flex: 'malleable',
      dataGB: spec.dataGB ?? 0,
      regions: spec.regions ?? [],
      sites: [],
      priority: 50,
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
