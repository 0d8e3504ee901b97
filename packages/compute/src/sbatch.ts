import { ArraySpecError, parseArraySpec } from './arrays.ts';
import { ComputeError } from './errors.ts';

/**
 * HPC users arrive with Slurm batch scripts. This reads a script's `#SBATCH` directives the way sbatch
 * does (only in the comment block before the first command; a `#` after whitespace starts a comment)
 * and maps those that mean something on the network onto a job submission. Every directive ends up in
 * exactly one list: honoured (with what it became), ignored (with why, the job still means what the
 * user meant), or refused (the job would mean something else: heterogeneous jobs, --wrap) — refused ones
 * stop the translation with an error naming them.
 *
 * Times without a zone are Beijing time (UTC+8), the network's local time.
 */

export interface SbatchJob {
  name: string;
  type: 'cpu' | 'gpu';
  units: number;
  hours: number;
  sites: string[];
  releaseAt?: string;
  deadlineAt?: string;
  env: Record<string, string>;
  /** The script itself, written to a file in the job's work directory and run by its own interpreter. */
  command: string;
  /** `--array`, as written (the server reads and checks it). */
  array?: string;
  /** `--dependency=afterok:ID[:ID],afterany:…,afternotok:…`. */
  after?: { kind: 'ok' | 'any' | 'notok'; jobId: string }[];
  /** The GPU model of `--gres=gpu:MODEL:N` or `--gpus=MODEL:N`: only pools with that accelerator model. */
  accelerator?: string;
}

export interface SbatchNote {
  /** The directive as written, e.g. `--mem=4G` (line 5). */
  directive: string;
  line: number;
  /** What it became (honoured) or why not (ignored). */
  note: string;
}

export interface SbatchTranslation {
  job: SbatchJob;
  honoured: SbatchNote[];
  ignored: SbatchNote[];
}

export interface SbatchOptions {
  /** Now, for `--begin=now+1hour` and times of day. */
  nowMs: number;
  /** Site ids of the network: a `--partition` naming one becomes a site the job may run at. */
  siteIds: readonly string[];
  /** Where `--export=NAME` (without a value) reads NAME from: the submitter's environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** The script file's name, for the job name when there is no --job-name. */
  fileName?: string;
}

export interface SbatchIssue {
  path: string;
  message: string;
}

/** The script cannot become a job as written; `issues` names each directive (by line) and why. */
export class SbatchInvalidError extends ComputeError<'SBATCH_INVALID'> {
  override readonly issues: readonly SbatchIssue[];
  constructor(issues: readonly SbatchIssue[]) {
    super('SBATCH_INVALID', `the batch script cannot run as written: ${issues.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** Short options sbatch accepts, by their long names (those this reader knows). */
const SHORT: Record<string, string> = {
  J: 'job-name', t: 'time', n: 'ntasks', c: 'cpus-per-task', N: 'nodes', G: 'gpus', p: 'partition', a: 'array',
  d: 'dependency', o: 'output', e: 'error', A: 'account', q: 'qos', C: 'constraint', D: 'chdir', w: 'nodelist',
  x: 'exclude', i: 'input', M: 'clusters', L: 'licenses',
};

/** Directives that do not change what the job computes here, and why they are not applied. */
const IGNORED: Record<string, string> = {
  output: 'the job\'s output is kept in its logs (shuzhi job logs, or the job page)',
  error: 'the job\'s output is kept in its logs (shuzhi job logs, or the job page)',
  'open-mode': 'the job\'s output is kept in its logs',
  'mail-type': 'no mail is sent; follow the job with shuzhi job get --wait or on its page',
  'mail-user': 'no mail is sent; follow the job with shuzhi job get --wait or on its page',
  mem: 'memory is not booked: each task may use up to 8 GiB (the worker\'s task limit)',
  'mem-per-cpu': 'memory is not booked: each task may use up to 8 GiB (the worker\'s task limit)',
  'mem-per-gpu': 'memory is not booked: each task may use up to 8 GiB (the worker\'s task limit)',
  account: 'billing goes to your tenant\'s wallet and vouchers, not to a Slurm account',
  qos: 'priority comes from the job\'s priority and the planner, not a QOS',
  constraint: 'node features cannot be asked for yet; the planner picks the site',
  exclusive: 'a task runs in its own sandbox; whole nodes are not reserved',
  chdir: 'the job runs in a work directory of its own',
  nodelist: 'the planner places the job; nodes cannot be named',
  exclude: 'the planner places the job; nodes cannot be named',
  'ntasks-per-node': 'the job runs on one worker: its units are --ntasks × --cpus-per-task',
  export: '',
  requeue: 'a job whose worker is lost is requeued anyway',
  'no-requeue': 'a job whose worker is lost is requeued anyway',
  comment: 'kept in the script only',
  signal: 'a cancelled job gets SIGTERM, then SIGKILL',
  licenses: 'licences are not counted for compute jobs yet',
  clusters: 'the planner chooses among the network\'s sites',
  hint: 'the planner places the job',
  'gpu-bind': 'GPUs are given to the task as they are',
  'cpu-freq': 'CPU frequency is the site\'s',
  'threads-per-core': 'the job runs on one worker with --cpus-per-task cores',
  'tasks-per-node': 'the job runs on one worker',
};

/** Directives that would change the job's meaning if dropped: the translation stops on them. */
const REFUSED: Record<string, string> = {
  'het-job': 'heterogeneous jobs are not supported',
  wrap: 'use the script body instead of --wrap',
};

interface Directive {
  name: string;
  value: string | null;
  text: string;
  line: number;
}

/** The `#SBATCH` lines of the leading comment block, as sbatch reads them. */
export function sbatchDirectives(script: string): Directive[] {
  const out: Directive[] = [];
  const lines = script.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (i === 0 && line.startsWith('#!')) continue;
    if (line === '') continue;
    if (!line.startsWith('#')) break; // the first command ends the directives
    const m = /^#SBATCH\s+(.*)$/.exec(line);
    if (!m) continue;
    // `#` after whitespace starts a comment; several options may share a line.
    const body = m[1]!.replace(/\s+#.*$/, '').trim();
    for (const token of body.split(/\s+(?=-)/)) out.push(parseToken(token.trim(), i + 1));
  }
  return out;
}

function parseToken(token: string, line: number): Directive {
  const long = /^--([a-z-]+)(?:[=\s]\s*(.*))?$/.exec(token);
  if (long) return { name: long[1]!, value: long[2]?.trim() ?? null, text: token, line };
  const short = /^-([A-Za-z])\s*(.*)$/.exec(token);
  if (short) return { name: SHORT[short[1]!] ?? `-${short[1]}`, value: short[2]?.trim() || null, text: token, line };
  return { name: token, value: null, text: token, line };
}

/** `--time`: minutes, minutes:seconds, hours:minutes:seconds, days-hours, days-hours:minutes, days-hours:minutes:seconds. */
export function slurmTimeHours(v: string): number | null {
  const s = v.trim();
  let m = /^(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?$/.exec(s);
  if (m) return Number(m[1]) * 24 + Number(m[2]) + Number(m[3] ?? 0) / 60 + Number(m[4] ?? 0) / 3600;
  m = /^(\d+)(?::(\d+)(?::(\d+))?)?$/.exec(s);
  if (!m) return null;
  if (m[3] !== undefined) return Number(m[1]) + Number(m[2]) / 60 + Number(m[3]) / 3600;
  if (m[2] !== undefined) return Number(m[1]) / 60 + Number(m[2]) / 3600;
  return Number(m[1]) / 60;
}

const BEIJING_MS = 8 * 3600_000;
const UNIT_SECONDS: Record<string, number> = { second: 1, seconds: 1, minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400, week: 604_800, weeks: 604_800 };
const NAMED_HOUR: Record<string, number> = { midnight: 0, noon: 12, fika: 15, teatime: 16 };

/** `--begin` / `--deadline` in the forms sbatch takes (those below), as epoch ms; null when not understood. */
export function slurmTimeMs(v: string, nowMs: number): number | null {
  const s = v.trim().toLowerCase();
  const rel = /^now(?:\+(\d+)([a-z]*))?$/.exec(s);
  if (rel) {
    const unit = rel[2] || 'seconds';
    const per = UNIT_SECONDS[unit];
    return per === undefined ? null : nowMs + Number(rel[1] ?? 0) * per * 1000;
  }
  // Beijing wall-clock arithmetic: shift into a "local epoch", work in UTC fields, shift back.
  const local = new Date(nowMs + BEIJING_MS);
  const dayStart = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const nextAt = (h: number, min: number, sec: number) => {
    let t = dayStart + ((h * 60 + min) * 60 + sec) * 1000;
    if (t <= nowMs + BEIJING_MS) t += 86_400_000;
    return t - BEIJING_MS;
  };
  if (s in NAMED_HOUR) return nextAt(NAMED_HOUR[s]!, 0, 0);
  if (s === 'today') return dayStart - BEIJING_MS;
  if (s === 'tomorrow') return dayStart + 86_400_000 - BEIJING_MS;
  const tod = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (tod) return valid(Number(tod[1]), Number(tod[2]), Number(tod[3] ?? 0)) ? nextAt(Number(tod[1]), Number(tod[2]), Number(tod[3] ?? 0)) : null;
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:t(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (date) {
    const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((k) => Number(date[k] ?? 0)) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || !valid(h, mi, se)) return null;
    const t = Date.UTC(y, mo - 1, d, h, mi, se);
    if (new Date(t).getUTCDate() !== d) return null; // 2026-02-30
    return t - BEIJING_MS;
  }
  return null;
}

const valid = (h: number, m: number, s: number) => h < 24 && m < 60 && s < 60;

const positiveInt = (v: string | null) => (v !== null && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : null);

/**
 * The GPUs in `--gres=gpu:2`, `gpu:a100:2`, `gpu:a100` (one), `gpu` (one), alongside other resources
 * (Slurm's `name[[:type]:count]`: a lone field after `gpu:` is the count when it is a number).
 */
function gresGpus(v: string): { count: number; model: string | null } | null {
  for (const part of v.split(',')) {
    const m = /^gpu(?::([A-Za-z0-9_.-]+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    if (m[2] !== undefined) return { count: Number(m[2]), model: m[1] ?? null };
    if (m[1] === undefined) return { count: 1, model: null };
    return /^\d+$/.test(m[1]) ? { count: Number(m[1]), model: null } : { count: 1, model: m[1] };
  }
  return null;
}

/** The script as the job's command: written to a file and run, so its own `#!` interpreter runs it. */
export function scriptCommand(script: string): string {
  let eof = 'SHUZHI_SBATCH_EOF';
  while (script.includes(eof)) eof += '_';
  const body = script.endsWith('\n') ? script : `${script}\n`;
  const run = script.startsWith('#!') ? './job.sh' : 'sh ./job.sh';
  return `cat > job.sh <<'${eof}'\n${body}${eof}\nchmod +x job.sh && exec ${run}`;
}

export function translateSbatch(script: string, opts: SbatchOptions): SbatchTranslation {
  const honoured: SbatchNote[] = [];
  const ignored: SbatchNote[] = [];
  const problems: SbatchIssue[] = [];
  const at = (d: Directive) => `line ${d.line} ${d.text}`;
  const bad = (d: Directive, message: string) => problems.push({ path: at(d), message });
  const ok = (d: Directive, note: string) => honoured.push({ directive: d.text, line: d.line, note });
  const skip = (d: Directive, note: string) => ignored.push({ directive: d.text, line: d.line, note });

  let name = (opts.fileName ?? 'sbatch job').replace(/\.(sh|slurm|sbatch|bash)$/, '') || 'sbatch job';
  let ntasks = 1;
  let cpusPerTask = 1;
  let gpus = 0;
  let hours: number | null = null;
  const sites: string[] = [];
  let typeHint: 'cpu' | 'gpu' | null = null;
  let releaseAt: number | null = null;
  let deadlineAt: number | null = null;
  const env: Record<string, string> = {};
  let array: string | null = null;
  let accelerator: string | null = null;
  const after: { kind: 'ok' | 'any' | 'notok'; jobId: string }[] = [];

  for (const d of sbatchDirectives(script)) {
    const v = d.value;
    const need = (): string | null => {
      if (v === null || v === '') {
        bad(d, 'needs a value');
        return null;
      }
      return v;
    };
    if (d.name in REFUSED) {
      bad(d, REFUSED[d.name]!);
      continue;
    }
    switch (d.name) {
      case 'job-name': {
        const n = need();
        if (n === null) break;
        if (n.length > 128) bad(d, 'a job name has at most 128 characters');
        else (name = n), ok(d, `job name "${n}"`);
        break;
      }
      case 'time': {
        const n = need();
        if (n === null) break;
        const h = slurmTimeHours(n);
        if (h === null || h <= 0) bad(d, 'a time limit is minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS, above zero (the network books every job for a bounded time)');
        else if (h > 24 * 90) bad(d, 'at most 90 days');
        else (hours = h), ok(d, `booked for ${formatHours(h)}`);
        break;
      }
      case 'ntasks':
      case 'cpus-per-task': {
        const n = positiveInt(v);
        if (n === null) bad(d, 'must be a whole number of at least 1');
        else if (d.name === 'ntasks') (ntasks = n), ok(d, `${n} task${n === 1 ? '' : 's'} (units = tasks × CPUs per task)`);
        else (cpusPerTask = n), ok(d, `${n} CPU${n === 1 ? '' : 's'} per task`);
        break;
      }
      case 'nodes': {
        const n = v === null ? null : /^(\d+)(?:-(\d+))?$/.exec(v);
        if (!n || Number(n[1]) < 1) bad(d, 'must be a node count such as 1 or 1-2');
        else if (Number(n[1]) === 1) ok(d, 'one worker');
        else skip(d, 'the job runs on one worker: its units (tasks × CPUs per task, or GPUs) are booked there');
        break;
      }
      case 'gres':
      case 'gpus':
      case 'gpus-per-node':
      case 'gpus-per-task': {
        const n = need();
        if (n === null) break;
        // gpu:[MODEL:]N in --gres, [MODEL:]N in --gpus*
        const ask = d.name === 'gres' ? gresGpus(n) : { count: positiveInt(n.replace(/^[A-Za-z0-9_.-]+:/, '')), model: /^([A-Za-z0-9_.-]+):\d+$/.exec(n)?.[1] ?? null };
        if (ask === null || ask.count === null || ask.count < 1) {
          if (d.name === 'gres') skip(d, 'only GPUs are booked from --gres');
          else bad(d, 'must be a GPU count such as 2 or a100:2');
          break;
        }
        gpus = d.name === 'gpus-per-task' ? ask.count * ntasks : ask.count;
        if (ask.model) accelerator = ask.model;
        ok(d, `${gpus} GPU${gpus === 1 ? '' : 's'}${ask.model ? ` of the model ${ask.model} (only pools with that accelerator; the model's name compares without case, spaces or dashes)` : ''}`);
        break;
      }
      case 'partition': {
        const n = need();
        if (n === null) break;
        for (const part of n.split(',')) {
          if (opts.siteIds.includes(part)) sites.push(part);
          else if (part === 'gpu' || part === 'cpu') typeHint = part;
        }
        if (sites.length || typeHint) ok(d, [sites.length ? `may run at ${sites.join(', ')}` : '', typeHint ? `a ${typeHint} pool` : ''].filter(Boolean).join('; '));
        else skip(d, `no site or pool of the network is called ${n}; the planner picks the site (sites: ${opts.siteIds.join(', ') || 'none'})`);
        break;
      }
      case 'begin':
      case 'deadline': {
        const n = need();
        if (n === null) break;
        const t = slurmTimeMs(n, opts.nowMs);
        if (t === null) bad(d, 'a time is now+N[seconds|minutes|hours|days|weeks], HH:MM[:SS], YYYY-MM-DD[THH:MM[:SS]] (Beijing time), midnight, noon or tomorrow');
        else if (d.name === 'begin') (releaseAt = t), ok(d, `released at ${new Date(t).toISOString()}`);
        else (deadlineAt = t), ok(d, `deadline ${new Date(t).toISOString()}`);
        break;
      }
      case 'array': {
        const n = need();
        if (n === null) break;
        let spec: ReturnType<typeof parseArraySpec> | null = null;
        try {
          spec = parseArraySpec(n);
        } catch (err) {
          if (!(err instanceof ArraySpecError)) throw err;
          bad(d, err.message);
        }
        if (spec) (array = n), ok(d, `an array of ${spec.indices.length} task${spec.indices.length === 1 ? '' : 's'}${spec.cap ? `, at most ${spec.cap} at once` : ''}; each sees SLURM_ARRAY_TASK_ID`);
        break;
      }
      case 'dependency': {
        const n = need();
        if (n === null) break;
        if (n.includes('?')) {
          bad(d, 'dependencies joined by ? (any of them) are not supported: join them with , (all of them)');
          break;
        }
        for (const part of n.split(',')) {
          const [cond = '', ...ids] = part.split(':');
          const kind = ({ afterok: 'ok', afterany: 'any', afternotok: 'notok' } as const)[cond as 'afterok'];
          if (!kind) {
            bad(d, cond === 'singleton' || cond === 'after' || cond === 'aftercorr' || cond === 'afterburstbuffer' ? `${cond} is not supported: use afterok, afterany or afternotok` : `"${part}" is not afterok:ID, afterany:ID or afternotok:ID`);
            continue;
          }
          const clean = ids.map((id) => id.replace(/\+\d+$/, ''));
          if (!clean.length || clean.some((id) => !/^[A-Za-z0-9_-]+$/.test(id))) bad(d, `${cond} needs job ids, such as ${cond}:job_12:job_13`);
          else for (const jobId of clean) after.push({ kind, jobId });
        }
        if (after.length) ok(d, `waits for ${after.map((a) => `${a.jobId} (after${a.kind})`).join(', ')}`);
        break;
      }
      case 'export': {
        const n = need();
        if (n === null) break;
        const names: string[] = [];
        for (const item of n.split(',')) {
          const up = item.toUpperCase();
          if (up === 'NONE' || up === 'NIL') continue;
          if (up === 'ALL') {
            skip(d, 'ALL: the job does not take your whole shell environment; name the variables (--export=NAME,NAME2=value)');
            continue;
          }
          const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(item);
          if (!m) {
            bad(d, `"${item}" is not NAME or NAME=value`);
            continue;
          }
          const value = m[2] ?? opts.env[m[1]!];
          if (value === undefined) bad(d, `${m[1]} is not set in your environment; set it or write ${m[1]}=value`);
          else (env[m[1]!] = value), names.push(m[1]!);
        }
        if (names.length) ok(d, `environment ${names.join(', ')} (kept sealed, like every job's env)`);
        break;
      }
      default:
        if (d.name in IGNORED) skip(d, IGNORED[d.name]!);
        else skip(d, 'not a directive the network knows; check its spelling in `man sbatch`');
    }
  }

  if (hours === null) {
    hours = 1;
    ignored.push({ directive: '(no --time)', line: 0, note: 'booked for 1 hour; say --time so the planner books what the job needs' });
  }
  if (/(^|[;&|\s])srun\s/m.test(script)) {
    ignored.push({ directive: 'srun', line: 0, note: 'srun steps run only at Slurm sites; at agent sites call the program directly' });
  }
  if (releaseAt !== null && deadlineAt !== null && deadlineAt <= releaseAt) problems.push({ path: '--deadline', message: 'the deadline must be after --begin' });
  if (typeHint === 'gpu' && gpus === 0) problems.push({ path: '--partition', message: 'a gpu partition needs GPUs: add --gres=gpu:N or --gpus=N' });
  if (problems.length) throw new SbatchInvalidError(problems);

  const type = gpus > 0 ? 'gpu' : 'cpu';
  return {
    job: {
      name,
      type,
      units: type === 'gpu' ? gpus : ntasks * cpusPerTask,
      hours,
      sites,
      ...(releaseAt !== null ? { releaseAt: new Date(releaseAt).toISOString() } : {}),
      ...(deadlineAt !== null ? { deadlineAt: new Date(deadlineAt).toISOString() } : {}),
      env,
      command: scriptCommand(script),
      ...(array !== null ? { array } : {}),
      ...(after.length ? { after } : {}),
      ...(accelerator !== null && gpus > 0 ? { accelerator } : {}),
    },
    honoured,
    ignored,
  };
}

function formatHours(h: number): string {
  const totalMin = Math.round(h * 60);
  if (totalMin < 60) return `${totalMin} min`;
  const hh = Math.floor(totalMin / 60);
  const mm = totalMin % 60;
  return mm ? `${hh} h ${mm} min` : `${hh} h`;
}
