// The checkpoint store keeps each task's newest archive as a file named by its hash. Two tasks of one
// tenant that saved the same bytes share that file: replacing one task's checkpoint must not delete
// the file the other task still resumes from.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { AgentExecutor, type ExecTask } from '@shuzhi/server/testing';
import { jobs, tasks } from '../src/compute/db-schema.ts';
import { CheckpointStore } from '../src/compute/checkpoints.ts';
import { client, login, startPlatform } from './helpers.ts';

test('a checkpoint file two tasks share outlives one of them moving on to a newer checkpoint', async () => {
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
  } finally {
    await t.close();
  }
});
