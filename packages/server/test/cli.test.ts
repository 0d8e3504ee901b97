import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { enrollWorker, smallSite, workerDir } from './helpers.ts';
import { cliSuite } from './cli-suite.ts';
import { SHUZHI_BIN } from './serve-process.ts';

const cli = cliSuite('cli-site', 'cli-agent');
const shuzhi = cli.shuzhi;

test('job submit --wait, list, get and site list against a running server', async () => {
  const sub = await shuzhi([
    'job', 'submit', '--name', 'cli job', '--type', 'cpu', '--units', '2', '--hours', '1',
    '--tenant', 'tianshan-ai', '--command', 'echo from the cli', '--wait',
  ]);
  assert.equal(sub.code, 0, sub.stderr);
  const id = /submitted (job_\S+)/.exec(sub.stdout)?.[1];
  assert.ok(id, sub.stdout);
  assert.match(sub.stderr, /succeeded/);

  const list = await shuzhi(['job', 'list']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, new RegExp(`${id}\\s+succeeded\\s+cli-site`));

  const get = await shuzhi(['job', 'get', id, '--json']);
  const j = JSON.parse(get.stdout);
  assert.equal(j.status, 'succeeded');
  assert.equal(j.runs[0].agentId, cli.agent.id);

  const sites = await shuzhi(['site', 'list']);
  assert.match(sites.stdout, /hami\s+xinjiang\s+intelligent/);
});

test('usage errors exit 2 with a message; a bad cli.token exits 1 saying why', async () => {
  const missing = await shuzhi(['job', 'submit', '--type', 'cpu']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing --name/);
  const unknown = await shuzhi(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command/);
  const bad = await shuzhi(['job', 'list'], { SHUZHI_TOKEN: 'wrong' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /AUTH_INVALID/);
  const help = await shuzhi(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /SHUZHI_BOOTSTRAP_TOKEN/);
});

test('login prints a working cli.token; a wrong password exits 1 and prints no token', async () => {
  const ok = await shuzhi(['login', '--username', 'tenant', '--password', 'tenant-demo'], { SHUZHI_TOKEN: '' });
  assert.equal(ok.code, 0, ok.stderr);
  const tok = /export SHUZHI_TOKEN=(\S+)/.exec(ok.stdout)?.[1];
  assert.ok(tok, ok.stdout);
  const list = await shuzhi(['job', 'list', '--json'], { SHUZHI_TOKEN: tok });
  assert.equal(list.code, 0, list.stderr);
  const items = (JSON.parse(list.stdout) as { items: { tenantId: string }[] }).items;
  assert.ok(items.length > 0, 'the first test submitted a job for this tenant');
  assert.ok(items.every((j) => j.tenantId === 'tianshan-ai'), 'the tenant cli.token sees only its own jobs');
  const bad = await shuzhi(['login', '--username', 'tenant', '--password', 'wrong'], { SHUZHI_TOKEN: '' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /login as tenant failed \(401\)/);
  assert.doesNotMatch(bad.stdout, /SHUZHI_TOKEN/);
});

test('shuzhi worker: refuses what it cannot run safely, exits on a refused credential', async () => {
  const none = await shuzhi(['worker'], { SHUZHI_WORKER_CREDENTIAL: '' });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /missing --credential .*shuzhi workers enroll/);
  const old = await shuzhi(['agent', '--token', 'x', '--site', 'cli-site']);
  assert.equal(old.code, 2);
  assert.match(old.stderr, /--token is gone: a worker now has its own credential/);
  const malformed = await shuzhi(['worker', '--credential', 'tok_abc']);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /not a worker credential/);
  const w = await enrollWorker(cli.t.p, 'cli-site', 'cli-refused');
  if (process.getuid?.() === 0) {
    const unsandboxed = await shuzhi(['worker', '--credential', w.credential, '--unsandboxed']);
    assert.equal(unsandboxed.code, 1);
    assert.match(unsandboxed.stderr, /no sandbox for tenant code: refusing to run tenant code unsandboxed as root/);
  }
  const op = await cli.t.p.auth.byOperatorName();
  await cli.t.p.workers.registry.revoke(op!, w.id);
  const revoked = await shuzhi(['worker', '--credential', w.credential, '--work-dir', workerDir('cli-revoked')]);
  assert.equal(revoked.code, 1, revoked.stderr);
  assert.match(revoked.stderr, /refused worker .*credential \(401/);
  assert.doesNotMatch(revoked.stderr, new RegExp(w.credential.replace(/\./g, '\\.')), 'the credential is not echoed');
  const help = await shuzhi(['--help']);
  assert.match(help.stdout, /worker\s+run a worker/);
});

test('shuzhi worker runs a job in its sandbox and leaves cleanly on SIGTERM', async () => {
  await cli.t.p.compute.network.createSite(smallSite('cli-worker-site'), 'test');
  const w = await enrollWorker(cli.t.p, 'cli-worker-site', 'cli-box');
  const child = spawn(process.execPath, [SHUZHI_BIN, 'worker', '--server', cli.t.url, '--slots', '2', '--work-dir', workerDir('cli-box')], {
    env: { ...process.env, SHUZHI_WORKER_CREDENTIAL: w.credential },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  try {
    const sub = await shuzhi([
      'job', 'submit', '--name', 'worker cli job', '--type', 'cpu', '--units', '1', '--hours', '1',
      '--tenant', 'tianshan-ai', '--sites', 'cli-worker-site', '--command', 'echo "in $(pwd) as $(id -u)"', '--wait',
    ]);
    assert.equal(sub.code, 0, `${sub.stderr}\n${stderr}`);
    assert.match(stderr, new RegExp(`worker ${w.id} polling .*runs shell in 2 slot\\(s\\); bubblewrap`));
    const id = /submitted (job_\S+)/.exec(sub.stdout)![1]!;
    const j = JSON.parse((await shuzhi(['job', 'get', id, '--json'])).stdout);
    assert.equal(j.runs[0].agentId, w.id);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});

test('sbatch: a Slurm batch script runs as a job, its directives listed; a directive the network cannot honour is refused naming its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-sbatch-'));
  const script = join(dir, 'hello.sh');
  writeFileSync(script, ['#!/bin/bash', '#SBATCH --job-name=hello-sbatch', '#SBATCH --time=00:01:00', '#SBATCH --partition=cli-site', '#SBATCH --mem=1G', '#SBATCH --export=GREETING', 'echo "$GREETING from $(basename "$0")"'].join('\n'));
  const sub = await shuzhi(['sbatch', script, '--tenant', 'tianshan-ai', '--wait'], { GREETING: 'salam' });
  assert.equal(sub.code, 0, sub.stderr);
  assert.match(sub.stdout, /honoured:\n.*--job-name=hello-sbatch/);
  assert.match(sub.stdout, /ignored:\n.*--mem=1G\s+memory is not booked/);
  assert.match(sub.stdout, /job: "hello-sbatch", 1 cpu unit for 0\.017 h at cli-site, env GREETING/);
  const id = /submitted (job_\S+)/.exec(sub.stdout)?.[1];
  assert.ok(id, sub.stdout);
  const logs = await fetch(`${cli.t.url}/api/jobs/${id}/logs`, { headers: { authorization: `Bearer ${cli.token}` } }).then((r) => r.json() as Promise<{ items: { text: string }[] }>);
  assert.match(logs.items.map((l) => l.text).join(''), /salam from job\.sh/);

  writeFileSync(join(dir, 'singleton.sh'), '#!/bin/bash\n#SBATCH --time=5\n#SBATCH --dependency=singleton\necho one at a time\n');
  const refused = await shuzhi(['sbatch', join(dir, 'singleton.sh'), '--dry-run']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /SBATCH_INVALID.*line 3 --dependency=singleton/);
  rmSync(dir, { recursive: true, force: true });
});
