/** Parsers for what Slurm's commands print. Pure functions: the executor's tests feed them real output. */

/** One job record as squeue knows it; array pieces are records of their own. */
export interface SqueueJob {
  /** The raw job id of this record (a piece of an array has its own). */
  jobId: string;
  /** The id sbatch returned: the array's id for pieces, else the job's own. */
  submitId: string;
  /** Array index, null for plain jobs and for a pending array remainder. */
  arrayIndex: number | null;
  /** How many pieces this record stands for (a pending remainder `[2-5]` stands for 4). */
  pieces: number;
  state: string;
  reason: string;
  comment: string;
  /** Epoch ms, null while unknown. */
  startMs: number | null;
  endMs: number | null;
  /** Exit code as a shell would see it (128+signal for a signal), null when Slurm does not say. */
  exitCode: number | null;
  tres: Record<string, number>;
}

export interface SacctRow {
  jobIdRaw: string;
  jobId: string;
  state: string;
  exitCode: number | null;
  elapsedSec: number | null;
  tres: Record<string, number>;
  startMs: number | null;
  endMs: number | null;
}

/** Fields asked of sacct, in order; SLURM_TIME_FORMAT=%s makes Start/End epoch seconds. */
export const SACCT_FIELDS = ['JobIDRaw', 'JobID', 'State', 'ExitCode', 'Elapsed', 'AllocTRES', 'Start', 'End'] as const;

/** `sbatch --parsable` prints `<id>` or `<id>;<cluster>`. */
export function parseSbatchOutput(out: string): string {
  const line = out.trim().split('\n').pop()?.trim() ?? '';
  const id = line.split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: ${JSON.stringify(out.slice(0, 200))}`);
  return id;
}

/** `cpu=2,mem=4000M,node=1,billing=2,gres/gpu=1` → numbers; memory in MB. */
export function parseTres(text: string | undefined | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const m = /^([\d.]+)([KMGTP]?)$/i.exec(part.slice(eq + 1).trim());
    if (!m) continue;
    const n = Number(m[1]);
    const unit = (m[2] ?? '').toUpperCase();
    const toMb = { '': 1, K: 1 / 1024, M: 1, G: 1024, T: 1024 ** 2, P: 1024 ** 3 } as const satisfies Record<string, number>;
    out[key] = key === 'mem' || unit !== '' ? n * toMb[unit as keyof typeof toMb] : n;
  }
  return out;
}

/** sacct Elapsed: `[D-]HH:MM:SS`, `MM:SS` or `MM:SS.mmm`. */
export function parseElapsed(text: string): number | null {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return null;
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(min) * 60 + Number(s);
}

/** sacct ExitCode `code:signal` → a shell-style exit code. */
export function parseExitCodeField(text: string): number | null {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m) return null;
  const code = Number(m[1]);
  const signal = Number(m[2]);
  return signal > 0 ? 128 + signal : code;
}

/** A wait(2) status (squeue --json in 22.05) → a shell-style exit code. */
export function decodeWaitStatus(status: number): number {
  const signal = status & 0x7f;
  return signal !== 0 ? 128 + signal : (status >> 8) & 0xff;
}

/** Epoch seconds (SLURM_TIME_FORMAT=%s) → ms; `Unknown`, `None`, 0 → null. */
function epochMs(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n * 1000 : null;
}

/** `[2-5]`, `2-5%1`, `1,3,7-8` → how many indices. */
export function countArrayIndices(text: string): number {
  let count = 0;
  for (const part of text.replace(/[[\]]/g, '').split('%')[0]!.split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    count += Math.floor((hi - lo) / step) + 1;
  }
  return count;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Slurm 23+ wraps numbers as `{set, infinite, number}`; 22.05 prints them bare. */
function num(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (isObj(v) && v['set'] === true && typeof v['number'] === 'number') return v['number'];
  return null;
}

function exitOf(v: unknown): number | null {
  if (typeof v === 'number') return decodeWaitStatus(v);
  // Slurm 23+: { status: [..], return_code: {number}, signal: { id: {number} } }
  if (isObj(v)) {
    const signal = isObj(v['signal']) ? num(v['signal']['id']) : null;
    if (signal !== null && signal > 0) return 128 + signal;
    return num(v['return_code']);
  }
  return null;
}

/** `squeue --json`. Every record, including finished jobs the controller still remembers (MinJobAge). */
export function parseSqueueJson(text: string): SqueueJob[] {
  const doc: unknown = JSON.parse(text);
  if (!isObj(doc) || !Array.isArray(doc['jobs'])) throw new Error('squeue --json: no "jobs" array');
  const out: SqueueJob[] = [];
  for (const j of doc['jobs'] as unknown[]) {
    if (!isObj(j)) continue;
    const jobId = num(j['job_id']);
    if (jobId === null) continue;
    const arrayJobId = num(j['array_job_id']) ?? 0;
    const rawIndex = num(j['array_task_id']);
    // NO_VAL (0xfffffffe) marks the pending remainder in some versions.
    const arrayIndex = rawIndex !== null && rawIndex < 0xfffffff0 ? rawIndex : null;
    const remainder = str(j['array_task_string']);
    const stateRaw = Array.isArray(j['job_state']) ? str(j['job_state'][0]) : str(j['job_state']);
    const isArray = arrayJobId > 0;
    out.push({
      jobId: String(jobId),
      submitId: String(isArray ? arrayJobId : jobId),
      arrayIndex: isArray ? arrayIndex : null,
      pieces: isArray && arrayIndex === null && remainder !== '' ? Math.max(1, countArrayIndices(remainder)) : 1,
      state: stateRaw,
      reason: str(j['state_reason']),
      comment: str(j['comment']),
      startMs: epochMs(num(j['start_time'])),
      endMs: epochMs(num(j['end_time'])),
      exitCode: exitOf(j['exit_code']),
      tres: parseTres(str(j['tres_alloc_str'])),
    });
  }
  return out;
}

/** `sacct --parsable2 --noheader -o <SACCT_FIELDS>`; job steps (`12.batch`) are skipped. */
export function parseSacct(text: string): SacctRow[] {
  const rows: SacctRow[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [jobIdRaw = '', jobId = '', state = '', exit = '', elapsed = '', tres = '', start = '', end = ''] = line.split('|');
    if (jobIdRaw.includes('.') || jobId.includes('.')) continue;
    rows.push({
      jobIdRaw: jobIdRaw.trim(),
      jobId: jobId.trim(),
      state: state.trim(),
      exitCode: parseExitCodeField(exit),
      elapsedSec: parseElapsed(elapsed),
      tres: parseTres(tres),
      startMs: epochMs(start),
      endMs: epochMs(end),
    });
  }
  return rows;
}
