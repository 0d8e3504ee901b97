// slurmrestd request building and answer mapping (Slurm 22.05, OpenAPI v0.0.38), and how a site's
// settings become a REST connection. The system test runs the same backend against a real slurmrestd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmSettings } from '@shuzhi/schema';
import type { SiteInput } from '@shuzhi/schema';
import type { JobSpec } from '../src/compute/slurm/backend.ts';
import { SlurmCommandError, SlurmConfigError } from '../src/compute/slurm/errors.ts';
import { SlurmRest, SlurmRestError } from '../src/compute/slurm/rest.ts';
import { JOB_ENVIRONMENT, classifyAnswer, jwtExpiresAt, parseSlurmdbJobs, restErrors, submitBody } from '../src/compute/slurm/rest-map.ts';
import { siteConfig } from '../src/compute/slurm-sites.ts';

const spec: JobSpec = {
  name: 'render-1', comment: 'shuzhi:t1:0', partition: 'hpc', nodes: 1, ntasks: 1, cpusPerTask: 4, gpus: 1, timeMinutes: 95,
  workDir: '/srv/work/t1.0', stdout: '/srv/work/t1.0/stdout.%a.log', stderr: '/srv/work/t1.0/stderr.%a.log', arraySize: 3,
  scriptPath: '/srv/work/t1.0/job.sh',
};

test('submit body: the sbatch options as v0.0.38 job properties, a PATH-only environment, no requeue', () => {
  process.env['SHUZHI_TEST_SECRET'] = 'must-not-travel';
  try {
    const body = submitBody(spec, '#!/bin/bash\necho hi\n');
    assert.equal(body.script, '#!/bin/bash\necho hi\n');
    assert.deepEqual(body.job, {
      name: 'render-1', comment: 'shuzhi:t1:0', partition: 'hpc', nodes: 1, tasks: 1, cpus_per_task: 4, gpus: 1, time_limit: 95,
      current_working_directory: '/srv/work/t1.0', standard_output: '/srv/work/t1.0/stdout.%a.log',
      standard_error: '/srv/work/t1.0/stderr.%a.log', array: '0-2', environment: { PATH: JOB_ENVIRONMENT['PATH'] }, no_requeue: true,
    });
    assert.doesNotMatch(JSON.stringify(body), /must-not-travel/);
    const plain = submitBody({ ...spec, gpus: 0, arraySize: undefined, partition: undefined }, 'x').job;
    assert.equal('array' in plain || 'gpus' in plain || 'partition' in plain, false);
  } finally {
    delete process.env['SHUZHI_TEST_SECRET'];
  }
});

test('answers: outage vs refusal vs unauthorized, from status, errnos and texts', () => {
  assert.deepEqual(classifyAnswer(200, '{"job_id":42,"errors":[]}'), { ok: true, body: { job_id: 42, errors: [] } });
  // 22.05 answers 500 for a controller that is down …
  const down = classifyAnswer(500, JSON.stringify({ errors: [{ error: 'Unable to contact slurm controller (connect failure)', error_number: 1800, description: 'Failed while looking for jobs', source: 'slurm_load_jobs' }] }));
  assert.equal(down.ok, false);
  assert.equal(!down.ok && down.transient, true);
  // … and also for a request the controller refuses.
  const refused = classifyAnswer(500, JSON.stringify({ errors: [{ error_code: 2015, error: 'Invalid partition name specified' }] }));
  assert.equal(!refused.ok && refused.transient, false);
  assert.match(!refused.ok ? refused.detail : '', /HTTP 500: Invalid partition name specified/);
  // A proxy or a crashing slurmrestd: no Slurm error to read, so it might have worked — an outage.
  assert.equal((o => !o.ok && o.transient)(classifyAnswer(502, '<html>Bad Gateway</html>')), true);
  assert.equal((o => !o.ok && o.transient)(classifyAnswer(400, '{"errors":[{"error":"Unknown key \\"bogus\\""}]}')), false);
  const auth = classifyAnswer(401, 'Authentication failure');
  assert.equal(!auth.ok && auth.code, 'SLURM_REST_UNAUTHORIZED');
  const badJwt = classifyAnswer(500, JSON.stringify({ errors: [{ error: 'Protocol authentication error', error_number: 1007 }] }));
  assert.equal(!badJwt.ok && badJwt.code, 'SLURM_REST_UNAUTHORIZED');
  assert.equal(!badJwt.ok && badJwt.transient, false);
  // What 22.05.8 answered for a forged or expired JWT: indistinguishable from an unreachable slurmctld.
  for (const body of [
    { errors: [{ error_code: 5005, error: 'Zero Bytes were transmitted or received' }] },
    { errors: [{ description: 'Failed while looking for jobs', error_number: -1, error: 'Unspecified error', source: 'slurm_load_jobs' }] },
  ]) {
    const o = classifyAnswer(500, JSON.stringify(body));
    assert.equal(!o.ok && o.transient && o.maybeAuth, true, JSON.stringify(o));
    assert.match(!o.ok ? o.detail : '', /rejected the JWT/);
  }
  const missing = classifyAnswer(404, 'Unable find requested URL. Please view /openapi/v3 for API reference.');
  assert.equal(!missing.ok && missing.transient, false);
  assert.match(!missing.ok ? missing.detail : '', /dbv0\.0\.38/);
  assert.deepEqual(restErrors({ errors: [{ error: 'fine', error_code: 0 }, { error: 'bad', errno: 2017 }] }), [{ errno: 2017, text: 'bad' }]);
});

test('slurmdbd job records become sacct rows (array pieces keep their own raw id)', () => {
  const body = {
    jobs: [
      {
        job_id: 51, array: { job_id: 50, task_id: 1 }, state: { current: 'COMPLETED', reason: 'None' },
        exit_code: { status: 'SUCCESS', return_code: 0 }, time: { elapsed: 12, start: 1_795_739_376, end: 1_795_739_388 },
        tres: { allocated: [{ type: 'cpu', name: '', id: 1, count: 2 }, { type: 'mem', id: 2, count: 4000 }, { type: 'gres', name: 'gpu', count: 1 }] },
      },
      { job_id: 52, array: { job_id: 0, task_id: null }, state: { current: 'FAILED' }, exit_code: { status: 'SIGNALED', return_code: 0, signal: { signal_id: 9, name: 'KILL' } }, time: { elapsed: 3, start: 0, end: 0 }, tres: { allocated: [] } },
      { job_id: 99, state: { current: 'COMPLETED' } },
    ],
  };
  const rows = parseSlurmdbJobs(body, new Set(['51', '52']));
  assert.deepEqual(rows, [
    { jobIdRaw: '51', jobId: '50_1', state: 'COMPLETED', exitCode: 0, elapsedSec: 12, tres: { cpu: 2, mem: 4000, 'gres/gpu': 1 }, startMs: 1_795_739_376_000, endMs: 1_795_739_388_000 },
    { jobIdRaw: '52', jobId: '52', state: 'FAILED', exitCode: 137, elapsedSec: 3, tres: {}, startMs: null, endMs: null },
  ]);
});

/** A fetch that records requests and answers from a script. */
function recordingFetch(answers: Array<{ status: number; body: string } | Error>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fn = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return new Response(next.body, { status: next.status });
  }) as typeof fetch;
  return { fn, calls };
}

test('SlurmRest: headers carry user and token, redirects are refused, errors never carry the token', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shuzhi-rest-'));
  try {
    const scriptPath = join(dir, 'job.sh');
    await writeFile(scriptPath, '#!/bin/bash\necho from-file\n');
    const token = 'eyJhbGciOiJIUzI1NiJ9.secret-part.signature';
    const f = recordingFetch([
      { status: 200, body: '{"job_id":7,"step_id":"BATCH","errors":[]}' },
      { status: 500, body: '{"errors":[{"error":"Invalid job id specified","error_code":2017}]}' },
      Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }),
      { status: 500, body: '{"errors":[{"error":"Requested node configuration is not available","error_code":2014}]}' },
    ]);
    const rest = new SlurmRest({ kind: 'rest', url: 'http://127.0.0.1:6820/', user: 'shuzhi', token }, { timeoutMs: 1000, accounting: 'none', fetch: f.fn });
    assert.equal(await rest.submit({ ...spec, scriptPath }), '7');
    const first = f.calls[0]!;
    assert.equal(first.url, 'http://127.0.0.1:6820/slurm/v0.0.38/job/submit');
    assert.equal(first.init.method, 'POST');
    assert.equal(first.init.redirect, 'error');
    const headers = first.init.headers as Record<string, string>;
    assert.equal(headers['X-SLURM-USER-NAME'], 'shuzhi');
    assert.equal(headers['X-SLURM-USER-TOKEN'], token);
    assert.equal(JSON.parse(String(first.init.body)).script, '#!/bin/bash\necho from-file\n');

    await rest.cancel('12'); // unknown job: not an error
    assert.equal(f.calls[1]!.init.method, 'DELETE');
    assert.equal(f.calls[1]!.url, 'http://127.0.0.1:6820/slurm/v0.0.38/job/12');

    const down = await rest.jobs().then(() => null, (e: unknown) => e);
    assert.ok(down instanceof SlurmCommandError && down.transient && down.code === 'SLURM_UNAVAILABLE', String(down));
    assert.match(down.message, /ECONNREFUSED/);

    const refused = await rest.submit({ ...spec, scriptPath }).then(() => null, (e: unknown) => e);
    assert.ok(refused instanceof SlurmRestError && !refused.transient && refused.errnos[0] === 2014, String(refused));
    for (const e of [down, refused]) assert.doesNotMatch(`${e.message} ${JSON.stringify(e)}`, /secret-part/);
    assert.doesNotMatch(JSON.stringify(rest), /secret-part/);
    assert.deepEqual(await rest.accounting(['7']), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an expired JWT is told apart from an outage by its exp claim', async () => {
  const jwt = (claims: object) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  assert.equal(jwtExpiresAt(jwt({ exp: 1_700_000_000, sun: 'root' })), 1_700_000_000_000);
  assert.equal(jwtExpiresAt('not-a-jwt'), null);
  const dropped = '{"errors":[{"error_code":5005,"error":"Zero Bytes were transmitted or received"}]}';
  const run = async (token: string) => {
    const f = recordingFetch([{ status: 500, body: dropped }]);
    const rest = new SlurmRest({ kind: 'rest', url: 'http://127.0.0.1:6820', user: 'root', token }, { timeoutMs: 1000, accounting: 'none', fetch: f.fn });
    return rest.jobs().then(() => null, (e: unknown) => e as SlurmRestError);
  };
  const expired = await run(jwt({ exp: Math.floor(Date.now() / 1000) - 60 }));
  assert.equal(expired?.code, 'SLURM_REST_TOKEN_EXPIRED');
  assert.equal(expired?.transient, false);
  const valid = await run(jwt({ exp: Math.floor(Date.now() / 1000) + 3600 }));
  assert.equal(valid?.code, 'SLURM_UNAVAILABLE');
  assert.equal(valid?.transient, true);
});

test('SlurmRest refuses unusable settings with a config error', () => {
  const ok = { kind: 'rest' as const, url: 'http://127.0.0.1:6820', user: 'u', token: 't' };
  const opts = { timeoutMs: 1000, accounting: 'none' as const };
  assert.throws(() => new SlurmRest({ ...ok, url: 'not a url' }, opts), SlurmConfigError);
  assert.throws(() => new SlurmRest({ ...ok, url: 'http://u:p@127.0.0.1:6820' }, opts), /credentials/);
  assert.throws(() => new SlurmRest({ ...ok, token: '' }, opts), /JWT/);
  assert.throws(() => new SlurmRest(ok, { ...opts, accounting: 'jobcomp' }), /jobcomp/);
});

test('site settings: the token comes from the named environment variable, never from the settings', () => {
  // siteConfig reads only the id and the Slurm settings of a site.
  const base = {
    id: 'hpc',
    slurm: SlurmSettings.parse({ mode: 'rest', restUrl: 'http://127.0.0.1:6820', restUser: 'shuzhi', restTokenEnv: 'SHUZHI_SLURM_JWT', accounting: 'none' }),
  } as SiteInput;
  const cfg = siteConfig(base, '/work', { SHUZHI_SLURM_JWT: 'SLURM_JWT=abc.def.ghi' });
  assert.ok(typeof cfg !== 'string', String(cfg));
  assert.deepEqual(cfg.connection, { kind: 'rest', url: 'http://127.0.0.1:6820', user: 'shuzhi', token: 'abc.def.ghi' });
  assert.doesNotMatch(JSON.stringify(base), /abc\.def/);

  assert.match(String(siteConfig(base, '/work', {})), /SHUZHI_SLURM_JWT .*not set/);
  const partial = { ...base, slurm: { ...base.slurm!, restUrl: undefined, restTokenEnv: undefined } };
  assert.match(String(siteConfig(partial, '/work', {})), /missing restUrl .*restTokenEnv/);
  assert.match(String(siteConfig({ ...base, slurm: { ...base.slurm!, accounting: 'jobcomp' } }, '/work', { SHUZHI_SLURM_JWT: 'x' })), /jobcomp/);
  // Only SHUZHI_SLURM_* variables may be named: settings cannot send other server secrets out.
  assert.equal(SlurmSettings.safeParse({ mode: 'rest', restTokenEnv: 'DATABASE_URL' }).success, false);
  assert.equal(SlurmSettings.safeParse({ mode: 'rest', restTokenEnv: 'SHUZHI_SLURM_JWT_HPC' }).success, true);
});
