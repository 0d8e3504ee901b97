import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { TaskRow } from '@shuzhi/render';
import { POSTGRES_ROWS_PER_STATEMENT, statementPacing } from '../src/db/slices.ts';
import { BatchWriter, ROWS_PER_STATEMENT } from '../src/render/persist.ts';
import { startPlatform, type TestPlatform } from './helpers.ts';

// A big batch is written as several bounded statements in one transaction: PGlite's WebAssembly
// memory grows to the largest statement and never shrinks, so no statement may carry the whole batch.

let t: TestPlatform;
before(async () => {
  t = await startPlatform();
});
after(async () => {
  await t.close();
});

const rowsOf = (r: unknown): Record<string, unknown>[] => (Array.isArray(r) ? r : ((r as { rows: Record<string, unknown>[] }).rows ?? []));
const count = async (q: ReturnType<typeof sql>) => Number(rowsOf(await t.p.database.db.execute(q))[0]!['n']);

/** A writer whose first drain hands it `n` completed task rows of `jobId`, and nothing after. */
function writerOfTasks(jobId: string, n: number): BatchWriter {
  const tasks: TaskRow[] = Array.from({ length: n }, (_, index) => ({ jobId, index, state: 'completed', attempt: 1, nodeId: null, leaseExpiresAt: null, failedOn: [] }));
  let drained = false;
  return new BatchWriter(t.p.database.db, t.p.bus, t.p.log, () => {
    if (drained) return { jobs: [], tasks: [] };
    drained = true;
    return { jobs: [], tasks };
  });
}

test('a batch larger than one statement holds is written whole, no statement over the cap', async () => {
  const n = 2 * ROWS_PER_STATEMENT + 500;
  const w = writerOfTasks('rj_big_batch', n);
  for (let frame = 1; frame <= n; frame++) w.addFrame({ jobId: 'rj_big_batch', frame, nodeId: null, attempt: 1, bytes: 10, hasThumb: false });
  await w.flush();
  assert.equal(await count(sql`select count(*) as n from render_tasks where job_id = 'rj_big_batch'`), n);
  assert.equal(await count(sql`select count(*) as n from render_frames where job_id = 'rj_big_batch'`), n);
  assert.equal(w.stats.maxStatementRows, ROWS_PER_STATEMENT);
  // Three statements for the tasks and three for the frames, in one batch (one transaction).
  assert.equal(w.stats.statements, 6);
  assert.equal(w.stats.batches, 1);
  assert.equal(w.stats.taskRows, n);
});

test('paced for PostgreSQL, the same batch is fewer, larger statements', async () => {
  const n = 2 * POSTGRES_ROWS_PER_STATEMENT + 500;
  const w = writerOfTasks('rj_pg_batch', n);
  w.pacing = statementPacing('postgres', ROWS_PER_STATEMENT);
  assert.equal(w.pacing.turnBetween, false, 'PostgreSQL runs a statement off the event loop: no turn is put between them');
  await w.flush();
  assert.equal(await count(sql`select count(*) as n from render_tasks where job_id = 'rj_pg_batch'`), n);
  assert.equal(w.stats.maxStatementRows, POSTGRES_ROWS_PER_STATEMENT);
  assert.equal(w.stats.statements, 3, `${n} rows in statements of at most ${POSTGRES_ROWS_PER_STATEMENT}`);
});
