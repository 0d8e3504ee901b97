// The checkpoint store keeps each task's newest archive as a file named by its hash. Two tasks of one
// tenant that saved the same bytes share that file: replacing one task's checkpoint must not delete
// the file the other task still resumes from.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { AgentExecutor, type ExecTask } from '@shuzhi/server/testing';
import { jobCheckpoints, jobs, tasks } from '../src/compute/db-schema.ts';
import { CheckpointStore } from '../src/compute/checkpoints.ts';
import { client, login, startPlatform, waitUntil } from './helpers.ts';

test('a checkpoint file two tasks share outlives one of them moving on to a newer checkpoint, and goes with the last job that names it', async () => {
  const t = await startPlatform();
  try {
    const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    const jobIds: string[] = [];
    for (const name of ['a', 'b']) {
      const r = await tenant.req('POST', '/api/jobs', { name, type: 'cpu', units: 1, hours: 1, command: 'true', checkpoint: true });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      jobIds.push(r.body.id as string);
    }
    const db = t.p.database.db;
    const taskOf = async (jobId: string) => {
      const [task] = await db.select({ id: tasks.id, jobId: tasks.jobId }).from(tasks).where(eq(tasks.jobId, jobId));
      const [job] = await db.select({ tenantId: jobs.tenantId }).from(jobs).where(eq(jobs.id, jobId));
      return { ...task!, tenantId: job!.tenantId };
    };
    const [ta, tb] = [await taskOf(jobIds[0]!), await taskOf(jobIds[1]!)];
    // The lease table answers as if worker w held both tasks' first attempts (and later ones).
    const leases = {
      holds: (_w: string, taskId: string): ExecTask | null => {
        const row = [ta, tb].find((x) => x.id === taskId);
        return row ? ({ taskId: row.id, jobId: row.jobId, tenantId: row.tenantId, checkpoint: true } as unknown as ExecTask) : null;
      },
    } as unknown as AgentExecutor;
    const store = new CheckpointStore(db, leases, t.dataDir);
    const w = { workerId: 'w' } as Parameters<CheckpointStore['put']>[0];
    const same = new TextEncoder().encode('the same saved state');
    await store.put(w, { taskId: ta.id, attempt: 1 }, same);
    await store.put(w, { taskId: tb.id, attempt: 1 }, same);
    await store.put(w, { taskId: ta.id, attempt: 2 }, new TextEncoder().encode('a moved on'));
    const file = await store.fileFor(w, { taskId: tb.id, attempt: 2 });
    assert.equal(readFileSync(file, 'utf8'), 'the same saved state');

    // An ended job's checkpoints go, rows and files — but not a file another live task resumes from.
    const rowsOf = async (jobId: string) => (await db.select().from(jobCheckpoints).where(eq(jobCheckpoints.jobId, jobId))).length;
    await store.put(w, { taskId: ta.id, attempt: 3 }, same);
    assert.equal((await tenant.req('POST', `/api/jobs/${jobIds[0]}/cancel`)).status, 200);
    await waitUntil('the cancelled job\'s checkpoint dropped', async () => (await rowsOf(jobIds[0]!)) === 0);
    assert.ok(existsSync(file), 'the file job b still resumes from stays');
    assert.equal((await tenant.req('POST', `/api/jobs/${jobIds[1]}/cancel`)).status, 200);
    await waitUntil('the second cancelled job\'s checkpoint dropped', async () => (await rowsOf(jobIds[1]!)) === 0);
    assert.ok(!existsSync(file), 'no row names the file any more: it is deleted');

    // What an ended job still holds when the server starts (it ended while none ran) is swept then.
    const { sha256 } = await store.put(w, { taskId: ta.id, attempt: 4 }, new TextEncoder().encode('left behind'));
    assert.equal(await store.sweepFinished(), 1);
    assert.equal(await rowsOf(jobIds[0]!), 0);
    assert.ok(!existsSync(file.replace(/[0-9a-f]{64}$/, sha256)), 'its file is gone too');
  } finally {
    await t.close();
  }
});
