import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from './helpers.ts';
import { cliSuite } from './cli-suite.ts';

const cli = cliSuite('cp-site', 'cp-agent', 2);
const shuzhi = cli.shuzhi;

/** Counts to 60 in half seconds, keeping its count in the checkpoint directory when told to stop. */
const COUNTER = 'n=$(cat "$SHUZHI_CHECKPOINT_DIR/n" 2>/dev/null || echo 0); trap \'echo $n > "$SHUZHI_CHECKPOINT_DIR/n"; exit 143\' TERM; '
  + 'while [ $n -lt 60 ]; do sleep 0.5 & wait $!; n=$((n+1)); echo "tick $n"; done; echo "done at $n"';

test('job submit --checkpoint, job preempt and job get show the pause and what it saved', async () => {
  const sub = await shuzhi(['job', 'submit', '--name', 'counter', '--type', 'cpu', '--units', '1', '--hours', '0.1', '--tenant', 'tianshan-ai', '--sites', 'cp-site', '--checkpoint', '--grace', '5', '--command', COUNTER, '--json']);
  assert.equal(sub.code, 0, sub.stderr);
  const job = JSON.parse(sub.stdout) as { id: string; checkpoint: boolean; preemptGraceSeconds: number };
  assert.equal(job.checkpoint, true);
  assert.equal(job.preemptGraceSeconds, 5);
  // Polled over HTTP rather than through the CLI: a process per poll is slow on a busy machine.
  const logs = async () => ((await (await fetch(`${cli.t.url}/api/jobs/${job.id}/logs`, { headers: { authorization: `Bearer ${cli.token}` } })).json()) as { items: { text: string }[] }).items.map((l) => l.text).join('');
  await waitUntil('a few ticks', async () => /tick 2\b/.test(await logs()), 60_000);
  const pre = await shuzhi(['job', 'preempt', job.id, '--reason', 'cheaper-window']);
  assert.equal(pre.code, 0, pre.stderr);
  assert.match(pre.stdout, /SIGTERM sent; it saves its checkpoint and resumes from it/);
  const bad = await shuzhi(['job', 'preempt', job.id, '--reason', 'whim']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--reason must be one of quota-reclaim, priority, cheaper-window, operator/);

  await waitUntil('resumed and done', async () => {
    const j = (await (await fetch(`${cli.t.url}/api/jobs/${job.id}`, { headers: { authorization: `Bearer ${cli.token}` } })).json()) as { status: string };
    return j.status === 'succeeded';
  }, 120_000);
  const done = (await shuzhi(['job', 'get', job.id])).stdout;
  assert.match(done, /run #1 preempted/);
  assert.match(done, /preempted for cheaper-window; checkpoint \d+\.\d KB saved, resumed from it; billed/);
  assert.match(done, /run #2 succeeded/);
  const printed = (await shuzhi(['job', 'logs', job.id])).stdout;
  assert.match(printed, /done at 60/);
  // Resumed, not restarted: no tick is counted twice.
  const ticks = [...printed.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(ticks, Array.from({ length: 60 }, (_, i) => i + 1));
});
