import { readFile } from 'node:fs/promises';
import type { JobSpec, SlurmBackend } from './backend.ts';
import type { SlurmConnection } from './config.ts';
import { SlurmCommandError, SlurmConfigError, SlurmJobUserError } from './errors.ts';
import { parseSqueueJson } from './parse.ts';
import type { SacctRow, SqueueJob } from './parse.ts';
import { GONE_JOB_ERRNOS, PATHS, classifyAnswer, jwtExpiresAt, parseSlurmdbJobs, submitBody, submittedJobId } from './rest-map.ts';

export interface RestOptions {
  timeoutMs: number;
  /** `slurmdbd`: slurmrestd's /slurmdb endpoints; `none`: no accounting (usage from the job list). */
  accounting: 'slurmdbd' | 'jobcomp' | 'none';
  /** Stand-in for the global fetch (unit tests of the HTTP mapping). */
  fetch?: typeof fetch;
}

/** How many /slurmdb job look-ups run at once (one per raw job id). */
const DB_PARALLEL = 4;

/** A failed slurmrestd call; `errnos` are the Slurm error numbers the answer carried. */
export class SlurmRestError extends SlurmCommandError {
  constructor(
    call: string,
    output: string,
    transient: boolean,
    readonly status: number | null,
    readonly errnos: number[],
    options?: { cause?: unknown; code?: string },
  ) {
    super(call, output, transient, options);
    this.name = 'SlurmRestError';
  }
}

/**
 * Slurm through slurmrestd (22.05, OpenAPI v0.0.38) with JWT auth. Same semantics as SlurmCli: an
 * unreachable or slow slurmrestd/slurmctld is a transient SlurmCommandError (the executor backs off and
 * retries), a clear refusal is a non-transient one. The token is sent only as a header to the
 * configured origin; it is kept in a private field and never put into an error or a log line.
 */
export class SlurmRest implements SlurmBackend {
  readonly #token: string;
  private readonly base: string;
  private readonly user: string;
  private readonly fetch: typeof fetch;

  constructor(
    conn: Extract<SlurmConnection, { kind: 'rest' }>,
    private readonly opts: RestOptions,
  ) {
    let url: URL;
    try {
      url = new URL(conn.url);
    } catch {
      throw new SlurmConfigError(`slurmrestd URL ${JSON.stringify(conn.url)} is not a URL (expected e.g. http://127.0.0.1:6820)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SlurmConfigError(`slurmrestd URL must be http(s), not ${url.protocol}`);
    if (url.username || url.password) throw new SlurmConfigError('slurmrestd URL must not carry credentials; the JWT goes in the token setting');
    if (!conn.user) throw new SlurmConfigError('slurmrestd needs a user name (X-SLURM-USER-NAME) for the JWT');
    if (!conn.token) throw new SlurmConfigError('slurmrestd needs a JWT (X-SLURM-USER-TOKEN); `scontrol token username=<user>` makes one');
    // jobcomp is a file sacct -c reads on the slurmctld host; slurmrestd has no endpoint for it.
    if (opts.accounting === 'jobcomp') throw new SlurmConfigError('slurmrestd cannot read the jobcomp log: use accounting "slurmdbd" or "none"');
    this.base = url.href.replace(/\/+$/, '');
    this.user = conn.user;
    this.#token = conn.token;
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  async submit(spec: JobSpec): Promise<string> {
    // Jobs submitted over REST run as the token's user: never root.
    if (this.user === 'root') {
      throw new SlurmJobUserError('SLURM_JOB_USER_ROOT', 'refusing to submit over slurmrestd as root: jobs would run as root (uid 0); use a token of an unprivileged user (restUser)');
    }
    // The executor wrote the script for sbatch; slurmrestd takes its text in the request.
    const script = await readFile(spec.scriptPath, 'utf8');
    const body = await this.call('POST', PATHS.submit, submitBody(spec, script));
    const id = submittedJobId(body);
    if (!id) throw new SlurmRestError(`POST ${PATHS.submit}`, `no job_id in the answer: ${JSON.stringify(body).slice(0, 300)}`, false, 200, []);
    return id;
  }

  async jobs(): Promise<SqueueJob[]> {
    // 22.05 answers GET /jobs with the document `squeue --json` prints.
    const body = await this.call('GET', PATHS.jobs);
    try {
      return parseSqueueJson(JSON.stringify(body));
    } catch (err) {
      throw new SlurmRestError(`GET ${PATHS.jobs}`, `unreadable job list: ${err instanceof Error ? err.message : String(err)}`, false, 200, [], { cause: err });
    }
  }

  /** When the token expires (epoch ms), if it says. */
  get tokenExpiresAt(): number | null {
    return jwtExpiresAt(this.#token);
  }

  async accounting(jobIds: string[]): Promise<SacctRow[]> {
    if (jobIds.length === 0 || this.opts.accounting !== 'slurmdbd') return [];
    const wanted = new Set(jobIds);
    const rows: SacctRow[] = [];
    const queue = [...wanted];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          rows.push(...parseSlurmdbJobs(await this.call('GET', PATHS.dbJob(id)), wanted));
        } catch (err) {
          // Not (yet) in the database: the executor waits for the record, then settles for the job list.
          // (A 404 without a Slurm error means the endpoint is missing: that is thrown, and logged.)
          if (err instanceof SlurmRestError && !err.transient && (err.errnos.some((n) => GONE_JOB_ERRNOS.has(n)) || /job.*not found|no job/i.test(err.output))) continue;
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DB_PARALLEL, queue.length) }, worker));
    return rows;
  }

  async cancel(jobId: string): Promise<void> {
    try {
      await this.call('DELETE', PATHS.job(jobId));
    } catch (err) {
      if (err instanceof SlurmRestError && !err.transient && (err.errnos.some((n) => GONE_JOB_ERRNOS.has(n)) || /invalid job id|already completed/i.test(err.output))) return;
      throw err;
    }
  }

  /** One request; returns the parsed JSON body of a 2xx answer, throws SlurmRestError otherwise. */
  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const what = `${method} ${path}`;
    let status: number;
    let text: string;
    try {
      const res = await this.fetch(`${this.base}${path}`, {
        method,
        headers: {
          Accept: 'application/json',
          'X-SLURM-USER-NAME': this.user,
          'X-SLURM-USER-TOKEN': this.#token,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // A redirect would carry the token's header to wherever it points.
        redirect: 'error',
        // Covers reading the body too: a slurmrestd stuck behind a hung slurmctld is an outage.
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      const why = timedOut
        ? `no answer within ${this.opts.timeoutMs} ms`
        : `cannot reach slurmrestd at ${new URL(this.base).origin} (${(cause as NodeJS.ErrnoException)?.code ?? (cause instanceof Error ? cause.message : String(cause))})`;
      throw new SlurmRestError(what, why, true, null, [], { cause: err });
    }
    const outcome = classifyAnswer(status, text);
    if (outcome.ok) return outcome.body;
    // slurmctld answers a rejected JWT like an outage; an expired token is the one cause we can tell here.
    const expiresAt = outcome.maybeAuth ? jwtExpiresAt(this.#token) : null;
    if (expiresAt !== null && expiresAt <= Date.now()) {
      throw new SlurmRestError(
        what,
        `the slurmrestd JWT of ${this.user} expired at ${new Date(expiresAt).toISOString()}; make a new one (scontrol token username=${this.user} lifespan=…), put it in the server's environment and restart`,
        false,
        status,
        outcome.errnos,
        { code: 'SLURM_REST_TOKEN_EXPIRED' },
      );
    }
    throw new SlurmRestError(what, outcome.detail, outcome.transient, status, outcome.errnos, outcome.code ? { code: outcome.code } : undefined);
  }
}
