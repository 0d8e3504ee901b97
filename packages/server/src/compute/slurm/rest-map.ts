/**
 * What goes to and comes from slurmrestd (Slurm 22.05, OpenAPI plugins openapi/v0.0.38 and
 * dbv0.0.38). Pure functions, so the unit tests feed them real request and answer shapes.
 */
import type { JobSpec } from './backend.ts';
import { OUTAGE } from './cli.ts';
import { parseTres } from './parse.ts';
import type { SacctRow } from './parse.ts';

export const REST_VERSION = 'v0.0.38';
export const PATHS = {
  ping: `/slurm/${REST_VERSION}/ping`,
  submit: `/slurm/${REST_VERSION}/job/submit`,
  jobs: `/slurm/${REST_VERSION}/jobs`,
  job: (id: string) => `/slurm/${REST_VERSION}/job/${encodeURIComponent(id)}`,
  dbJob: (id: string) => `/slurmdb/${REST_VERSION}/job/${encodeURIComponent(id)}`,
} as const;

/**
 * The whole environment of a job submitted over REST. slurmrestd 22.05 rejects a job without one
 * ("environment must be set"), and the server's own (database URL, tokens) must never reach jobs: the
 * batch script exports what the task needs, as with `sbatch --export=NONE`.
 */
export const JOB_ENVIRONMENT: Readonly<Record<string, string>> = { PATH: '/usr/local/bin:/usr/bin:/bin' };

/** The body of POST /slurm/v0.0.38/job/submit; the same options SlurmCli gives sbatch. */
export function submitBody(spec: JobSpec, script: string): { script: string; job: Record<string, unknown> } {
  // slurmrestd 0.0.38–0.0.40 have no gres field in a job description; the script's directive is read instead.
  const gres = spec.gpus > 0 && spec.gresType ? `gpu:${spec.gresType}:${spec.gpus}` : null;
  return {
    script: gres ? script.replace(/^(#![^\n]*\n)?/, (shebang) => `${shebang}#SBATCH --gres=${gres}\n`) : script,
    job: {
      name: spec.name,
      comment: spec.comment,
      ...(spec.partition ? { partition: spec.partition } : {}),
      nodes: spec.nodes,
      tasks: spec.ntasks,
      cpus_per_task: spec.cpusPerTask,
      ...(spec.gpus > 0 && !gres ? { gpus: spec.gpus } : {}),
      time_limit: spec.timeMinutes,
      current_working_directory: spec.workDir,
      standard_output: spec.stdout,
      standard_error: spec.stderr,
      ...(spec.arraySize && spec.arraySize > 1 ? { array: `0-${spec.arraySize - 1}` } : {}),
      environment: { ...JOB_ENVIRONMENT },
      // A retry is the host's decision (a new attempt with a new fence), never Slurm's. `no_requeue`
      // rather than `requeue: false`: 22.05 turns any value of `requeue` into --requeue (seen on 22.05.8:
      // `requeue: false` gave a job with requeue=true).
      no_requeue: true,
    },
  };
}

/** One entry of an answer's `errors` list. */
export interface RestError {
  /** Slurm errno (slurm_errno.h), when given. */
  errno: number | null;
  text: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `errors: [{ error, error_code | error_number | errno, description, source }]`; entries with errno 0 are not errors. */
export function restErrors(body: unknown): RestError[] {
  if (!isObj(body) || !Array.isArray(body['errors'])) return [];
  const out: RestError[] = [];
  for (const e of body['errors'] as unknown[]) {
    if (!isObj(e)) continue;
    const raw = e['error_code'] ?? e['error_number'] ?? e['errno'];
    const errno = typeof raw === 'number' ? raw : null;
    if (errno === 0) continue;
    const text = [e['error'], e['description']].filter((x): x is string => typeof x === 'string' && x !== '').join(': ');
    out.push({ errno, text: text || `Slurm error ${errno ?? '?'}` });
  }
  return out;
}

/**
 * Slurm errnos that mean "the controller could not be reached or was too slow" (slurm_errno.h):
 * EAGAIN, SLURM_COMMUNICATIONS_*, SLURMCTLD_COMMUNICATIONS_*, socket timeout and zero bytes sent.
 */
const OUTAGE_ERRNOS = new Set([11, 1001, 1002, 1003, 1004, 1800, 1801, 1802, 1803, 1804, 5004, 5005]);
/** SLURM_PROTOCOL_AUTHENTICATION_ERROR: the controller refused the credentials. */
const AUTH_ERRNO = 1007;
/**
 * Answers that mean "no answer from slurmctld" but that 22.05.8 also gives when slurmctld rejects the
 * JWT (forged, expired, another user's): it drops the connection (5005, zero bytes), and GET /jobs then
 * reports only -1 "Unspecified error" — as it does when slurmctld is down. So they count as outages, and
 * the message says the token may be the cause; SlurmRest turns them into TOKEN_EXPIRED when it is.
 */
const AMBIGUOUS_ERRNOS = new Set([-1, 5005]);
/** ESLURM_INVALID_JOB_ID, ESLURM_ALREADY_DONE: cancelling such a job is a no-op. */
export const GONE_JOB_ERRNOS = new Set([2017, 2021]);

export type RestOutcome =
  | { ok: true; body: unknown }
  | { ok: false; transient: boolean; detail: string; errnos: number[]; code?: string; maybeAuth?: boolean };

/**
 * Sorts an answer into success, outage (retry with backoff) or refusal. slurmrestd 22.05 answers 500 for
 * everything the controller says no to (a bad partition, too many CPUs), so the status alone cannot tell
 * an outage from a refusal: the errnos and texts in `errors` do. A 5xx without a readable Slurm error
 * (a proxy's 502/503/504, a crashing slurmrestd) counts as an outage: the job may or may not exist, and
 * the executor then looks for it by comment before submitting again.
 */
export function classifyAnswer(status: number, text: string): RestOutcome {
  let body: unknown = null;
  try {
    body = text.trim() === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (status >= 200 && status < 300) return { ok: true, body };
  const errors = restErrors(body);
  const errnos = errors.flatMap((e) => (e.errno === null ? [] : [e.errno]));
  const said = errors.map((e) => e.text).join('; ') || text.trim().slice(0, 300) || '(empty answer)';
  const detail = `HTTP ${status}: ${said}`;
  if (status === 401 || status === 403 || errnos.includes(AUTH_ERRNO)) {
    return {
      ok: false,
      transient: false,
      errnos,
      code: 'SLURM_REST_UNAUTHORIZED',
      detail: `${detail} (slurmrestd or slurmctld refused the credentials: check the user name and that the JWT is valid and not expired)`,
    };
  }
  if (errors.length > 0) {
    if (errnos.some((n) => AMBIGUOUS_ERRNOS.has(n))) {
      return {
        ok: false,
        transient: true,
        maybeAuth: true,
        errnos,
        detail: `${detail} (slurmctld did not answer: it is down or restarting, or it rejected the JWT — check that the token is valid for this cluster)`,
      };
    }
    const transient = errnos.some((n) => OUTAGE_ERRNOS.has(n)) || errors.some((e) => OUTAGE.test(e.text));
    return { ok: false, transient, errnos, detail };
  }
  if (status === 404) {
    return { ok: false, transient: false, errnos, detail: `${detail} (this slurmrestd does not serve that endpoint: is it started with -s openapi/${REST_VERSION}, and openapi/db${REST_VERSION} for accounting?)` };
  }
  return { ok: false, transient: status >= 500, errnos, detail };
}

/** When a JWT expires (its `exp` claim, epoch ms), or null when the token does not say. Not a verification. */
export function jwtExpiresAt(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return isObj(claims) && typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : null;
  } catch {
    return null;
  }
}

/** The job id of a submit answer: `{ job_id: 12, step_id: "BATCH", errors: [] }`. */
export function submittedJobId(body: unknown): string | null {
  if (!isObj(body)) return null;
  const id = body['job_id'];
  return typeof id === 'number' && id > 0 ? String(id) : typeof id === 'string' && /^\d+$/.test(id) ? id : null;
}

const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  // Slurm 23+ wraps numbers as { set, infinite, number }.
  if (isObj(v) && v['set'] === true && typeof v['number'] === 'number') return v['number'];
  return null;
};
const epochMs = (v: unknown): number | null => {
  const n = num(v);
  return n !== null && n > 0 ? n * 1000 : null;
};

/** dbv0.0.38 `exit_code: { status, return_code, signal: { signal_id, name } }` → a shell-style exit code. */
function dbExitCode(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (!isObj(v)) return null;
  const sig = isObj(v['signal']) ? (num(v['signal']['signal_id']) ?? num(v['signal']['id'])) : null;
  if (sig !== null && sig > 0) return 128 + sig;
  return num(v['return_code']);
}

/** dbv0.0.38 `tres.allocated: [{ type, name, count }]` → the same record parseTres builds from AllocTRES. */
function dbTres(v: unknown): Record<string, number> {
  if (typeof v === 'string') return parseTres(v);
  const out: Record<string, number> = {};
  if (!Array.isArray(v)) return out;
  for (const t of v) {
    if (!isObj(t) || typeof t['type'] !== 'string') continue;
    const count = num(t['count']);
    if (count === null) continue;
    const name = typeof t['name'] === 'string' && t['name'] !== '' ? `${t['type']}/${t['name']}` : t['type'];
    out[name] = count; // memory is counted in MB, as sacct's AllocTRES is read
  }
  return out;
}

/**
 * GET /slurmdb/v0.0.38/job/{id} → sacct rows of the wanted raw ids. An array piece's JobID is
 * `<array id>_<index>` as sacct prints it; steps are not rows (they live inside each job record).
 */
export function parseSlurmdbJobs(body: unknown, wanted: ReadonlySet<string>): SacctRow[] {
  if (!isObj(body) || !Array.isArray(body['jobs'])) return [];
  const rows: SacctRow[] = [];
  for (const j of body['jobs'] as unknown[]) {
    if (!isObj(j)) continue;
    const id = num(j['job_id']);
    if (id === null || !wanted.has(String(id))) continue;
    const array = isObj(j['array']) ? j['array'] : {};
    const arrayId = num(array['job_id']) ?? 0;
    const taskId = num(array['task_id']);
    const state = isObj(j['state']) ? String(j['state']['current'] ?? '') : String(j['state'] ?? '');
    const time = isObj(j['time']) ? j['time'] : {};
    const tres = isObj(j['tres']) ? j['tres']['allocated'] : undefined;
    rows.push({
      jobIdRaw: String(id),
      jobId: arrayId > 0 && taskId !== null && taskId < 0xfffffff0 ? `${arrayId}_${taskId}` : String(id),
      state,
      exitCode: dbExitCode(j['exit_code']),
      elapsedSec: num(time['elapsed']),
      tres: dbTres(tres),
      startMs: epochMs(time['start']),
      endMs: epochMs(time['end']),
    });
  }
  return rows;
}
