import { z } from 'zod';
import { isoTime, slug, Text } from './common.ts';

export const SiteKinds = ['general', 'intelligent', 'supercomputing', 'render'] as const;
export const SiteKind = z.enum(SiteKinds);
export type SiteKind = z.infer<typeof SiteKind>;
export const Engine = z.enum(['agent', 'slurm']);
export const TenantKind = z.enum(['ai-company', 'studio', 'research', 'enterprise', 'government']);
export type TenantKind = z.infer<typeof TenantKind>;
export const ResourceType = z.enum(['gpu', 'cpu', 'render']);
export type ResourceType = z.infer<typeof ResourceType>;
export const Flex = z.enum(['rigid', 'malleable', 'divisible']);

export const Region = z.object({
  id: slug,
  nameZh: Text(64).min(1),
  nameEn: Text(64).min(1),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
export type Region = z.infer<typeof Region>;

export const Link = z.object({
  from: slug,
  to: slug,
  gbps: z.number().positive(),
  fenPerGB: z.number().nonnegative(),
});
export type Link = z.infer<typeof Link>;

/** The accelerator a pool has and how its devices are joined (see compute's accelerator.ts). */
export const PoolAccelerator = z.object({
  /** Model as sold: A800, H20, 昇腾 910B … */
  model: Text(32).min(1),
  /** Memory per device, GB. */
  memGB: z.number().positive().max(10_000),
  /** Devices per interconnect group (NVLink island, HCCS ring); a one-group job fits in one. */
  groupUnits: z.number().int().positive().max(10_000),
});
export type PoolAccelerator = z.infer<typeof PoolAccelerator>;

export const Pool = z.object({
  type: ResourceType,
  units: z.number().int().positive().max(10_000_000),
  busyW: z.number().nonnegative(),
  idleW: z.number().nonnegative(),
  pflopsPerUnit: z.number().nonnegative(),
  fenPerUnitHour: z.number().int().nonnegative(),
  accelerator: PoolAccelerator.optional(),
});
export type Pool = z.infer<typeof Pool>;

const hourly24 = z.array(z.number().nonnegative()).length(24, 'expected 24 hourly values (hour 0–23, Asia/Shanghai)');

export const SitePower = z.object({
  /** Grid tariff by local hour (fen per kWh): a time-of-use table. */
  tariffFenPerKWh: hourly24,
  /** Grid carbon intensity by local hour (gCO2 per kWh). */
  carbonGPerKWh: hourly24,
  renewables: z
    .object({
      solarKW: z.number().nonnegative(),
      windKW: z.number().nonnegative(),
      fenPerKWh: z.number().nonnegative(),
      /** Where the capacity-factor shape comes from, shown in the UI. */
      model: Text(200),
    })
    .nullable(),
  storage: z
    .object({ kWh: z.number().nonnegative(), kW: z.number().nonnegative(), efficiency: z.number().gt(0).max(1) })
    .nullable(),
});
export type SitePower = z.infer<typeof SitePower>;

/** How a Slurm-backed site is reached: the local CLI (optionally another cluster's slurm.conf) or slurmrestd. */
export const SlurmSettings = z.object({
  mode: z.enum(['cli', 'rest']).default('cli'),
  partition: Text(64).optional(),
  /** slurm.conf of a non-default cluster (SLURM_CONF); empty = the machine's own. */
  slurmConf: Text(512).optional(),
  binDir: Text(512).optional(),
  restUrl: z.url().optional(),
  /** mode "rest": the Slurm user the JWT belongs to (X-SLURM-USER-NAME); jobs run as this user. */
  restUser: z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'a Unix user name').max(64).optional(),
  /**
   * mode "rest": the NAME of the server's environment variable that holds the JWT (e.g.
   * SHUZHI_SLURM_JWT). The token itself is never stored in the database nor returned by the API. The
   * SHUZHI_SLURM_ prefix keeps a site's settings from sending any other server secret (DATABASE_URL …)
   * to a slurmrestd URL of their choosing.
   */
  restTokenEnv: z
    .string()
    .regex(/^SHUZHI_SLURM_[A-Z0-9_]+$/, 'an environment variable name starting with SHUZHI_SLURM_ (A-Z, 0-9, _)')
    .max(128)
    .optional(),
  /** Where finished jobs' accounting comes from (mode "rest": slurmdbd or none). */
  accounting: z.enum(['slurmdbd', 'jobcomp', 'none']).default('slurmdbd'),
  /**
   * mode "cli": the unprivileged Unix user jobs run as (a root server submits with sbatch --uid/--gid);
   * default shuzhi-job. Never root. mode "rest": jobs run as restUser.
   */
  jobUser: z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'a Unix user name').max(64).optional(),
  /**
   * Where the jobs' own directories go (working directory, output files), outside the server's data
   * directory; on a real cluster a file system the compute nodes share. Default /var/spool/shuzhi/slurm.
   */
  jobDir: z.string().startsWith('/', 'an absolute path').max(512).optional(),
  /**
   * How the platform may pause a running job here. `requeue` (default): `scontrol requeuehold`, the job
   * leaves its node and resumes from its checkpoint. `suspend`: a cheaper-window pause is `scontrol
   * suspend` in place (same processes and memory; it needs an operator's rights in Slurm and keeps the
   * job's memory on the node) and `resume` at the window; other preemptions still requeue. `both`: suspend
   * pauses up to `suspendMaxHours`, requeue longer ones.
   */
  preemption: z.enum(['requeue', 'suspend', 'both']).optional(),
  /** `both`: the longest pause done by suspending in place (hours; default 4). */
  suspendMaxHours: z.number().positive().max(168).optional(),
});
export type SlurmSettings = z.infer<typeof SlurmSettings>;

export const SiteInput = z.object({
  id: slug,
  nameZh: Text(64).min(1),
  nameEn: Text(64).min(1),
  region: slug,
  kind: SiteKind,
  engine: Engine.default('agent'),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  pue: z.number().min(1).max(3),
  pools: z.array(Pool).min(1),
  power: SitePower,
  /** Required when `engine` is `slurm`. */
  slurm: SlurmSettings.nullable().default(null),
  /**
   * The tenant that owns this site (its own hardware), or null for the platform's sites. Only that
   * tenant's work is placed here, and that tenant may enroll workers for it.
   */
  ownerTenantId: Text(64).min(1).nullable().optional(),
});
export type SiteInput = z.infer<typeof SiteInput>;
export const SitePatch = SiteInput.omit({ id: true }).partial();

export const SiteLive = z.object({
  busyUnits: z.number(),
  totalUnits: z.number(),
  utilisation: z.number(),
  greenShareNow: z.number(),
  pflopsOnline: z.number(),
  agentsOnline: z.number(),
  /** Whether work placed here reaches an engine now (agents online, or the Slurm executor ready). */
  engineOnline: z.boolean(),
  /** Why the site's engine is not serving, when it is not. */
  engineNote: z.string().nullable(),
  renewableKWNow: z.number(),
  loadKWNow: z.number(),
});
export const Site = SiteInput.extend({ live: SiteLive.optional() });
export type Site = z.infer<typeof Site>;

export const TenantInput = z.object({
  id: slug,
  name: Text(128).min(1),
  kind: TenantKind,
});
export type Tenant = z.infer<typeof TenantInput>;

export const JobStatuses = ['queued', 'planned', 'running', 'succeeded', 'failed', 'cancelled'] as const;
/** The statuses a job never leaves. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
export const JobStatus = z.enum(JobStatuses);
export type JobStatus = z.infer<typeof JobStatus>;

/** Names: what a POSIX shell exports and every engine (agent, Slurm batch script) accepts. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
export const ENV_MAX_VARS = 64;
export const ENV_MAX_VALUE = 4096;
/** Names and values together, in characters. */
export const ENV_MAX_TOTAL = 64 * 1024;
/** What stands in for an env value in answers to anyone but the job's owner. */
export const ENV_MASK = '••••';

/**
 * A job's environment. Messages name the variable (`env.KEY`) and never repeat a value: values are
 * secrets. NUL cannot be passed to a process (nor stored by PostgreSQL), so it is refused here.
 */
export const JobEnv = z
  .record(
    // A bad name is an `invalid_key` issue at `env.<name>`: the web says which name is wrong.
    z.string().max(128).regex(ENV_NAME, 'a variable name: A–Z, 0–9 and _, not starting with a digit, at most 128 characters'),
    // Text: no NUL (no process takes it, no PostgreSQL text holds it), no lone surrogates.
    Text(ENV_MAX_VALUE),
  )
  .superRefine((env, ctx) => {
    const names = Object.keys(env);
    if (names.length > ENV_MAX_VARS) ctx.addIssue({ code: 'custom', message: `at most ${ENV_MAX_VARS} variables` });
    const total = names.reduce((n, k) => n + k.length + (env[k]?.length ?? 0), 0);
    if (total > ENV_MAX_TOTAL) ctx.addIssue({ code: 'custom', message: `names and values together at most ${ENV_MAX_TOTAL} characters` });
  });

/** Slurm's dependency conditions: after the parent succeeded, ended in any way, or failed (or was cancelled). */
export const DependencyKind = z.enum(['ok', 'any', 'notok']);
export type DependencyKind = z.infer<typeof DependencyKind>;
export const Dependency = z.object({ kind: DependencyKind.default('ok'), jobId: Text(64).min(1) });
export const OnParentFailure = z.enum(['cancel', 'hold']);

/** Why a running job is stopped and requeued: the platform's reasons, and the quota owner's reclaim. */
export const PreemptReason = z.enum(['quota-reclaim', 'priority', 'cheaper-window', 'operator']);
export type PreemptReason = z.infer<typeof PreemptReason>;
export const PREEMPT_GRACE_DEFAULT_SECONDS = 30;
export const PREEMPT_GRACE_MAX_SECONDS = 600;

export const PreemptJob = z.object({ reason: PreemptReason.default('operator') });
export const PreemptResult = z.object({
  jobId: z.string(),
  /** Tasks asked to stop (SIGTERM then the grace period: checkpointing jobs) or stopped at once. */
  tasks: z.array(z.object({ taskId: z.string(), graceful: z.boolean() })),
});
export type PreemptResult = z.infer<typeof PreemptResult>;

export const SubmitJob = z.object({
  name: Text(128).min(1),
  type: ResourceType,
  units: z.number().int().positive().max(100_000),
  /** Hours of work at `units` size: what the planner books. */
  hours: z.number().positive().max(24 * 90),
  flex: Flex.default('malleable'),
  /** Where the job's data lives; defaults to the first site of the tenant's choice. */
  home: slug.optional(),
  dataGB: z.number().nonnegative().max(1_000_000).default(0),
  /** Data residency: the regions the job may run in. Empty = anywhere. */
  regions: z.array(slug).max(32).default([]),
  /**
   * The sites the job may run at (empty = any site its regions allow): a tenant pins work where its
   * software, licences or vouchers are. A hard constraint, like residency.
   */
  sites: z.array(slug).max(32).default([]),
  priority: z.number().int().min(0).max(100).default(50),
  releaseAt: isoTime.optional(),
  deadlineAt: isoTime.optional(),
  /** What to run: a shell command line, run in a work directory of its own. */
  command: Text(8192).min(1),
  /**
   * Environment of the command: where tenants put secrets (API keys). Sealed (AES-256-GCM) before it is
   * stored, decrypted only for the worker running the task; API answers show the values to the owner
   * tenant's users only (see `Job.env`).
   */
  env: JobEnv.default({}),
  /** Operators may submit on behalf of a tenant. */
  tenantId: Text(64).optional(),
  /** Jobs (of the same tenant) this one waits for, with Slurm's conditions (afterok, afterany, afternotok). */
  after: z.array(Dependency).max(64).optional(),
  /** When a parent's outcome means the condition can never be met: cancel this job, or hold it (it says why). */
  onParentFailure: OnParentFailure.optional(),
  /**
   * A job array (Slurm's `--array`): `0-999%50`, `0-15:4`, `1,3,5`; `%N` runs at most N tasks at once. Each
   * task runs the command with SHUZHI_ARRAY_TASK_ID (and SLURM_ARRAY_TASK_ID) set to its index.
   */
  array: Text(256).min(1).optional(),
  /** A project within the tenant: its own quota, if the operator set one. */
  project: slug.optional(),
  /** Accelerator model the job needs (a pool's `accelerator.model`). */
  accelerator: Text(32).min(1).optional(),
  /** Least memory per device, GB. */
  minMemGB: z.number().positive().max(10_000).optional(),
  /** All units in one interconnect group (NVLink island, HCCS ring); absent = no such need. */
  oneGroup: z.boolean().optional(),
  /**
   * The job saves its progress into $SHUZHI_CHECKPOINT_DIR when it gets SIGTERM and carries on from it
   * when it starts again: it may be preempted and resumed (elsewhere, too). A job that does not is
   * restarted from the beginning when it is preempted.
   */
  checkpoint: z.boolean().optional(),
  /** Seconds between SIGTERM and SIGKILL when the job is preempted: its time to write the checkpoint. */
  preemptGraceSeconds: z.number().int().min(1).max(PREEMPT_GRACE_MAX_SECONDS).optional(),
});
export type SubmitJob = z.infer<typeof SubmitJob>;

/** A Slurm batch script submitted as it is (`shuzhi sbatch job.sh`): its #SBATCH directives become the job. */
export const SbatchSubmit = z.object({
  script: Text(8000).min(1),
  /** The script's file name: the job's name when it has no --job-name. */
  fileName: Text(128).optional(),
  /** Values of the submitter's variables that `--export=NAME` (without a value) names; nothing else. */
  env: JobEnv.default({}),
  /** Only say what the script becomes; submit nothing. */
  dryRun: z.boolean().default(false),
  /** Operators may submit on behalf of a tenant. */
  tenantId: Text(64).optional(),
});
export type SbatchSubmit = z.infer<typeof SbatchSubmit>;

export const SbatchNote = z.object({
  /** The directive as written (`--mem=4G`), or what the note is about (`srun`). */
  directive: z.string(),
  /** Its line in the script; 0 for notes about the script as a whole. */
  line: z.number().int(),
  /** What it became, or why it was not applied. */
  note: z.string(),
});

export const Usage = z.object({
  unitHours: z.number(),
  energyKWh: z.number(),
  greenKWh: z.number(),
  carbonG: z.number(),
  costFen: z.number().int(),
});
export type Usage = z.infer<typeof Usage>;

export const Run = z.object({
  id: z.string(),
  jobId: z.string(),
  taskId: z.string(),
  attempt: z.number().int(),
  siteId: z.string(),
  agentId: z.string().nullable(),
  status: z.enum(['running', 'succeeded', 'failed', 'lost', 'cancelled', 'preempted']),
  startedAt: isoTime,
  endedAt: isoTime.nullable(),
  exitCode: z.number().int().nullable(),
  usage: Usage.nullable(),
  /**
   * A preempted run: why, the checkpoint it left (bytes; null = none, it restarts) and whether it is
   * billed; paused for a cheaper window: when it resumes and what the pause saves (fen, kg CO2e).
   */
  preemption: z
    .object({
      reason: PreemptReason,
      checkpointBytes: z.number().int().nullable(),
      billed: z.boolean(),
      window: z.object({ resumeAt: isoTime, saveFen: z.number(), saveKg: z.number() }).nullable().optional(),
    })
    .nullable()
    .optional(),
  /**
   * Suspended in place for a cheaper window (Slurm sites that allow it): from when, the planned resume,
   * when it resumed (null: still suspended) and what the pause saves. Its usage leaves these out.
   */
  suspensions: z
    .array(z.object({ from: isoTime, until: isoTime, resumedAt: isoTime.nullable(), saveFen: z.number(), saveKg: z.number() }))
    .optional(),
});
export type Run = z.infer<typeof Run>;

export const TaskStatus = z.enum(['pending', 'waiting', 'queued', 'planned', 'running', 'succeeded', 'failed', 'cancelled']);
export const ArraySummary = z.object({
  spec: z.string(),
  size: z.number().int(),
  cap: z.number().int().nullable(),
  counts: z.record(z.string(), z.number().int()),
});

export const Job = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  type: ResourceType,
  units: z.number().int(),
  hours: z.number(),
  flex: Flex,
  home: z.string().nullable(),
  dataGB: z.number(),
  regions: z.array(z.string()),
  sites: z.array(z.string()),
  priority: z.number().int(),
  command: z.string(),
  /**
   * The job's environment. Values appear only to users of the job's own tenant, and only in a single
   * job's answer (GET /api/jobs/{id}, submit, cancel); everyone else (operators, viewers) and every list
   * answer get the names with each value replaced by ENV_MASK ("••••").
   */
  env: z.record(z.string(), z.string()),
  status: JobStatus,
  siteId: z.string().nullable(),
  releaseAt: isoTime,
  deadlineAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  error: z.string().nullable(),
  /** One line on why it runs where and when it does. */
  explanation: z.string().nullable(),
  /** Data staged from the home region to where it runs: volume, link cost (on the bill), arrival. */
  transfer: z
    .object({ fromRegion: z.string(), toRegion: z.string(), dataGB: z.number(), fen: z.number().int() })
    .nullable(),
  usage: Usage.nullable(),
  /** The jobs it waits for, each with its condition and whether that is met, still open or can no longer be met. */
  dependencies: z.array(z.object({ jobId: z.string(), kind: DependencyKind, state: z.enum(['waiting', 'met', 'impossible']) })).optional(),
  onParentFailure: OnParentFailure.optional(),
  /** Why it does not start yet on account of its parents ("waiting for job_12 (afterok)", or held); null otherwise. */
  held: z.string().nullable().optional(),
  /** A job array: its spec, size, cap and how many tasks are in each state (not yet made = pending). */
  array: ArraySummary.nullable().optional(),
  /** The workflow it is a step of. */
  workflow: z.object({ id: z.string(), step: z.string() }).nullable().optional(),
  project: z.string().nullable(),
  accelerator: z.string().nullable(),
  minMemGB: z.number().nullable(),
  oneGroup: z.boolean(),
  checkpoint: z.boolean(),
  preemptGraceSeconds: z.number().int(),
  /** How often it was preempted so far (the planner stops at its per-job bound). */
  preemptions: z.number().int(),
});
export type Job = z.infer<typeof Job>;

export const SbatchResult = z.object({
  /** The submitted job; null on a dry run. */
  job: Job.nullable(),
  /** What the script became (the env's names only: its values are the job's secrets). */
  request: z.object({
    name: z.string(),
    type: ResourceType,
    units: z.number().int(),
    hours: z.number(),
    sites: z.array(z.string()),
    releaseAt: z.string().optional(),
    deadlineAt: z.string().optional(),
    /** The GPU model `--gres=gpu:MODEL:N` asks for. */
    accelerator: z.string().optional(),
    envNames: z.array(z.string()),
  }),
  honoured: z.array(SbatchNote),
  ignored: z.array(SbatchNote),
});
export type SbatchResult = z.infer<typeof SbatchResult>;

export const JobDetail = Job.extend({
  runs: z.array(Run),
  /** Jobs that wait for this one. */
  dependants: z.array(z.object({ jobId: z.string(), kind: DependencyKind })).optional(),
});

/** One task of a job (an array's task has its index). */
export const JobTask = z.object({
  id: z.string(),
  index: z.number().int().nullable(),
  status: TaskStatus,
  siteId: z.string().nullable(),
  attempt: z.number().int(),
  updatedAt: isoTime,
});
export type JobTask = z.infer<typeof JobTask>;

/** A workflow: named steps, each a job, with `after` edges by step name; submitted, shown and cancelled as one. */
export const WorkflowStep = z.object({
  name: slug,
  after: z.array(z.union([slug, z.object({ step: slug, kind: DependencyKind.default('ok') })])).max(64).default([]),
  job: SubmitJob.omit({ after: true, tenantId: true }),
});
export const SubmitWorkflow = z.object({
  name: Text(128).min(1),
  steps: z.array(WorkflowStep).min(1).max(500),
  onParentFailure: OnParentFailure.default('cancel'),
  /** Operators may submit on behalf of a tenant. */
  tenantId: Text(64).optional(),
});
export type SubmitWorkflow = z.infer<typeof SubmitWorkflow>;
export const Workflow = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  createdAt: isoTime,
  /** finished when every job is final: succeeded only if each succeeded. */
  status: z.enum(['active', 'succeeded', 'failed', 'cancelled']),
  counts: z.record(z.string(), z.number().int()),
  steps: z.array(z.object({ name: z.string(), jobId: z.string(), status: JobStatus, held: z.string().nullable(), siteId: z.string().nullable() })),
  edges: z.array(z.object({ from: z.string(), to: z.string(), kind: DependencyKind })),
});
export type Workflow = z.infer<typeof Workflow>;
export type JobDetail = z.infer<typeof JobDetail>;

export const LogLine = z.object({
  seq: z.number().int(),
  attempt: z.number().int(),
  stream: z.enum(['stdout', 'stderr', 'system']),
  text: z.string(),
  at: isoTime,
});
export type LogLine = z.infer<typeof LogLine>;

export const Overview = z.object({
  pflopsOnline: z.number(),
  pflopsXinjiang: z.number(),
  utilisation: z.number(),
  greenShareToday: z.number(),
  jobsRunning: z.number().int(),
  jobsQueued: z.number().int(),
  jobsSucceededToday: z.number().int(),
  agentsOnline: z.number().int(),
  energyKWhToday: z.number(),
  carbonKgToday: z.number(),
  sites: z.number().int(),
  regions: z.number().int(),
});
export type Overview = z.infer<typeof Overview>;

export const Flow = z.object({
  from: z.string(),
  to: z.string(),
  jobs: z.number().int(),
  dataGB: z.number(),
  fen: z.number().int(),
});
export type Flow = z.infer<typeof Flow>;

export const PowerCurve = z.object({
  siteId: z.string(),
  start: isoTime,
  hours: z.array(
    z.object({
      at: isoTime,
      tariffFenPerKWh: z.number(),
      carbonGPerKWh: z.number(),
      renewableKW: z.number(),
      loadKW: z.number(),
    }),
  ),
  model: z.string(),
});
export type PowerCurve = z.infer<typeof PowerCurve>;

/**
 * A quota an operator sets: units of one resource type for a tenant, or for a project within it
 * (`project`; project quotas cap only, they neither borrow nor lend). Tenants in one `cohort` borrow
 * each other's idle quota (Kueue's ClusterQueue cohorts).
 */
const quotaUnits = z.number().int().nonnegative().max(10_000_000);
export const QuotaInput = z.object({
  tenantId: Text(64).min(1),
  project: slug.nullable().default(null),
  type: ResourceType,
  nominal: quotaUnits,
  cohort: slug.nullable().default(null),
  /** Most units above nominal the tenant may hold; null: as much as the cohort has idle. */
  borrowingLimit: quotaUnits.nullable().default(null),
  /** Most of its nominal others may borrow; null: all of it. */
  lendingLimit: quotaUnits.nullable().default(null),
});
export type QuotaInput = z.infer<typeof QuotaInput>;

export const Quota = QuotaInput.extend({
  /** Units handed out or running now. */
  used: z.number(),
  /** Units above nominal in use now. */
  borrowed: z.number(),
  /** Units of this quota that other cohort members hold now. */
  lent: z.number(),
});
export type Quota = z.infer<typeof Quota>;

export const FairShareInput = z.object({
  tenantId: Text(64).min(1),
  shares: z.number().int().positive().max(1_000_000),
});

export const FairShareRow = z.object({
  tenantId: z.string(),
  shares: z.number(),
  normShares: z.number(),
  effectiveUsage: z.number(),
  normUsage: z.number(),
  factor: z.number(),
});
export const FairShareTable = z.object({
  halfLifeHours: z.number(),
  rows: z.array(FairShareRow),
});
export type FairShareTable = z.infer<typeof FairShareTable>;
