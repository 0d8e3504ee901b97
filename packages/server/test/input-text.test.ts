// One bad string must not stop a module: NUL and lone surrogates in request text are a 400 naming the
// field; in task output (logs, failure messages) they are stored made safe; and a row the database refuses
// is dropped from the render farm's batch writer instead of blocking every later write.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { storableText, Text } from '@shuzhi/schema';
import type { Logger } from '../src/log.ts';
import { BatchWriter, classifyWriteError } from '../src/render/persist.ts';
import { client, enrollWorker, login, smallSite, startPlatform, waitUntil, workerSync, type TestPlatform } from './helpers.ts';
import { farmOf, uploadScene } from './render-helpers.ts';

const NUL: string = '\u0000';

function rowsOf(r: unknown): Record<string, unknown>[] {
  return Array.isArray(r) ? r : ((r as { rows: Record<string, unknown>[] }).rows ?? []);
}
const LONE = '\ud800';

describe('the Text type', () => {
  test('refuses NUL and lone surrogates anywhere, accepts every other string', () => {
    const T = Text(10_000);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 }), fc.constantFrom(NUL, LONE, '\udc00'), (a, b, bad) => {
        assert.equal(T.safeParse(a + b).success, true);
        const r = T.safeParse(a + bad + b);
        // a lone low surrogate right after a high one would pair up; the generator's halves are whole graphemes
        if (!(bad === '\udc00' && /[\ud800-\udbff]$/.test(a))) {
          assert.equal(r.success, false);
          assert.match(r.error!.issues[0]!.message, bad === NUL ? /NUL/ : /surrogate/);
        }
      }),
    );
    assert.equal(T.safeParse('😀 emoji and 中文 are fine').success, true);
  });

  test('storableText keeps good text and replaces only what text cannot hold', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const out = storableText(s);
        assert.equal(out.length, s.length);
        assert.equal(Text(1000).safeParse(out).success, true);
        if (Text(1000).safeParse(s).success) assert.equal(out, s);
      }),
    );
    assert.equal(storableText(`a${NUL}b${LONE}c`), 'a\ufffdb\ufffdc');
  });
});

let t: TestPlatform;
let tenant: ReturnType<typeof client>;
let op: ReturnType<typeof client>;

before(async () => {
  t = await startPlatform({ leaseMs: 3000 });
  tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  op = client(t.url, { cookie: await login(t.url, 'operator') });
  assert.equal((await op.req('POST', '/api/sites', smallSite('txt-site'))).status, 201);
});
after(async () => {
  await t.close();
});

const job = (extra: Record<string, unknown>) => ({ name: 'text test', type: 'cpu', units: 1, hours: 1, command: 'echo hi', sites: ['txt-site'], ...extra });

describe('requests', () => {
  test('NUL or a lone surrogate in a job name, command or env value is a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: `bad${NUL}name` }, 'name'],
      [{ command: `echo ${LONE}` }, 'command'],
      [{ env: { TOKEN: `abc${NUL}` } }, 'env.TOKEN'],
    ];
    for (const [extra, path] of cases) {
      const r = await tenant.req('POST', '/api/jobs', job(extra));
      assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'VALIDATION_FAILED');
      assert.deepEqual(r.body.errors.map((e: { path: string }) => e.path), [path]);
      assert.match(r.body.errors[0].message, /NUL|surrogate/);
    }
    // The module still works afterwards.
    assert.equal((await tenant.req('POST', '/api/jobs', job({}))).status, 201);
  });

  test('free text of other modules is checked the same way', async () => {
    const reg = await op.req('POST', '/api/regions', { id: 'txt-region', nameZh: `区${NUL}`, nameEn: 'x', lat: 1, lon: 1 });
    assert.equal(reg.status, 400, JSON.stringify(reg.body));
    assert.equal(reg.body.errors[0].path, 'nameZh');
    const up = await uploadScene(t.url, await login(t.url, 'tenant2'), 'scene.blend', 'fake');
    const studio = client(t.url, { cookie: await login(t.url, 'tenant2') });
    const r = await studio.req('POST', '/api/render/jobs', { name: `shot${NUL}`, scene: { kind: 'upload', ...up }, frames: '1-2', renderer: 'blender' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.errors[0].path, 'name');
    const login400 = await client(t.url, {}).req('POST', '/api/auth/login', { username: `operator${NUL}`, password: 'x' });
    assert.equal(login400.status, 400, JSON.stringify(login400.body));
    assert.equal(login400.body.errors[0].path, 'username');
  });

  test('a NUL in a path parameter is a 400, not a database error', async () => {
    for (const path of ['/api/jobs/job_%00', '/api/sites/a%00b', '/api/billing/programmes/p%00']) {
      const r = await op.req('GET', path);
      assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  });
});

describe('task output is data: stored made safe, never refused', () => {
  test('a compute worker reports output and a failure message with NUL bytes: the sync succeeds and the logs read back', async () => {
    // A site of its own: the job the first test left at txt-site must not take this worker's one slot.
    assert.equal((await op.req('POST', '/api/sites', smallSite('txt-out'))).status, 201);
    const w = await enrollWorker(t.p, 'txt-out', 'txt-worker');
    const created = await tenant.req('POST', '/api/jobs', job({ sites: ['txt-out'] }));
    assert.equal(created.status, 201);
    const jobId = created.body.id as string;
    const lease = await waitUntil('a lease', async () => {
      const r = await workerSync(t.url, w.credential, w.id, { free: 1 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.assignments as { jobId: string; taskId: string; attempt: number }[]).find((a) => a.jobId === jobId);
    });
    const fence = { kind: 'shell', taskId: lease.taskId, attempt: lease.attempt };
    const running = await workerSync(t.url, w.credential, w.id, { running: [{ ...fence, logs: [{ stream: 'stdout', text: `bin${NUL}ary ${LONE}out\n` }] }] });
    assert.equal(running.status, 200, JSON.stringify(running.body));
    const done = await workerSync(t.url, w.credential, w.id, {
      completed: [{ ...fence, result: { ok: false, exitCode: 3, failure: { code: 'exit-code', message: `died${NUL}` } }, logs: [{ stream: 'stderr', text: `err${NUL}\n` }] }],
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const logs = await tenant.req('GET', `/api/jobs/${jobId}/logs`);
    assert.equal(logs.status, 200);
    const text = (logs.body.items as { text: string }[]).map((l) => l.text).join('');
    assert.match(text, /bin\ufffdary \ufffdout/);
    assert.match(text, /err\ufffd/);
    const detail = await tenant.req('GET', `/api/jobs/${jobId}`);
    assert.equal(detail.body.status, 'failed');
    assert.match(detail.body.error, /died\ufffd/);
  });

  test('a render worker reports logs with NUL bytes: stored, and the farm keeps saving its state', async () => {
    const studioCookie = await login(t.url, 'tenant2');
    const studio = client(t.url, { cookie: studioCookie });
    const up = await uploadScene(t.url, studioCookie, 'nul.blend', 'fake scene');
    const created = await studio.req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-2', chunkSize: 2, renderer: 'blender' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const jobId = created.body.id as string;
    const w = await enrollWorker(t.p, 'karamay', 'txt-render');
    const render = { runners: ['blender', 'ffmpeg'] };
    const got = await waitUntil('a render lease', async () => {
      const r = await workerSync(t.url, w.credential, w.id, { ...render, free: 1 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.assignments as { jobId: string; taskId: string; attempt: number }[]).find((a) => a.jobId === jobId);
    });
    const fence = { kind: 'render', taskId: got.taskId, attempt: got.attempt };
    const r = await workerSync(t.url, w.credential, w.id, { ...render, running: [{ ...fence, progress: 0.5, logs: [{ stream: 'stdout', text: `Fra:1 ${NUL}${LONE}\n` }] }] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const farm = farmOf(t);
    await farm.writer.flush();
    const logs = await studio.req('GET', `/api/render/jobs/${jobId}/logs`);
    assert.equal(logs.status, 200);
    assert.ok((logs.body.items as { text: string }[]).some((l) => l.text === 'Fra:1 \ufffd\ufffd\n'), JSON.stringify(logs.body.items));
    // Later writes still reach the database: the cancel is persisted.
    assert.equal((await studio.req('POST', `/api/render/jobs/${jobId}/cancel`)).status, 200);
    await farm.writer.flush();
    const [row] = rowsOf(await t.p.database.db.execute(sql`select state from render_jobs where id = ${jobId}`));
    assert.equal(row?.['state'], 'cancelled');
    assert.equal(farm.writer.stats.droppedRows, 0);
  });
});

describe('the render batch writer isolates a row the database refuses', () => {
  function spyLog() {
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, obj, msg });
    const log = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger;
    return { log, lines };
  }
  const count = async (q: ReturnType<typeof sql>) => Number(rowsOf(await t.p.database.db.execute(q))[0]!['n']);

  test('a frame whose size PostgreSQL cannot hold is dropped once; the rest of the batch is stored', async () => {
    const { log, lines } = spyLog();
    const w = new BatchWriter(t.p.database.db, t.p.bus, log, () => ({ jobs: [], tasks: [] }), 10);
    w.addLog({ jobId: 'rj_poison', idx: 0, attempt: 1, nodeId: 'n1', stream: 'stdout', text: 'before\n' });
    // `bytes` is an integer column: 2^31 is out of range (SQLSTATE 22003) — e.g. a 2 GiB frame.
    w.addFrame({ jobId: 'rj_poison', frame: 1, nodeId: 'n1', attempt: 1, bytes: 2 ** 31, hasThumb: false });
    w.addFrame({ jobId: 'rj_poison', frame: 2, nodeId: 'n1', attempt: 1, bytes: 1234, hasThumb: false });
    w.addLog({ jobId: 'rj_poison', idx: 0, attempt: 1, nodeId: 'n1', stream: 'stderr', text: `nul${NUL}byte\n` });
    w.addEvent({ kind: 'render.test', entity: 'render-job', entityId: 'rj_poison', data: { ok: true } });
    await w.flush();
    assert.equal(w.stats.droppedRows, 1);
    assert.deepEqual(w.stats.dropped, { frame: 1 });
    assert.equal(await count(sql`select count(*) as n from render_task_logs where job_id = 'rj_poison'`), 2);
    assert.equal(await count(sql`select count(*) as n from render_task_logs where job_id = 'rj_poison' and text = ${'nul\ufffdbyte\n'}`), 1);
    assert.equal(await count(sql`select count(*) as n from render_frames where job_id = 'rj_poison'`), 1);
    assert.equal(await count(sql`select count(*) as n from events where kind = 'render.test' and entity_id = 'rj_poison'`), 1);
    const reports = lines.filter((l) => l.level === 'error');
    assert.equal(reports.length, 1, JSON.stringify(lines));
    assert.match(String(reports[0]!.obj['row']), /frame rj_poison#1/);
    assert.equal((reports[0]!.obj['cause'] as { code: string }).code, '22003');
    assert.doesNotMatch(JSON.stringify(reports[0]), /params|before/, 'the report carries the cause, not the batch');
    // Nothing is left to retry: the next flush writes only new rows.
    w.addLog({ jobId: 'rj_poison', idx: 0, attempt: 1, nodeId: 'n1', stream: 'stdout', text: 'after\n' });
    await w.flush();
    assert.equal(w.stats.droppedRows, 1);
    assert.equal(await count(sql`select count(*) as n from render_task_logs where job_id = 'rj_poison'`), 3);
  });

  test('running on its timer, a poison row is reported once and does not block other writes', async () => {
    const { log, lines } = spyLog();
    const w = new BatchWriter(t.p.database.db, t.p.bus, log, () => ({ jobs: [], tasks: [] }), 10);
    w.start();
    try {
      w.addFrame({ jobId: 'rj_timer', frame: 1, nodeId: null, attempt: null, bytes: 2 ** 40, hasThumb: false });
      for (let i = 0; i < 5; i++) {
        w.addLog({ jobId: 'rj_timer', idx: i, attempt: 1, nodeId: null, stream: 'stdout', text: `line ${i}\n` });
        await new Promise((r) => setTimeout(r, 60));
      }
      await waitUntil('the logs', async () => (await count(sql`select count(*) as n from render_task_logs where job_id = 'rj_timer'`)) === 5, 5000);
      assert.equal(w.stats.droppedRows, 1);
      assert.equal(lines.filter((l) => l.level === 'error').length, 1, JSON.stringify(lines));
    } finally {
      await w.stop();
    }
  });

  test('errors are told apart: data errors drop a row, an unreachable database keeps everything', () => {
    const wrap = (code: string) => Object.assign(new Error('Failed query: … params: secret'), { cause: Object.assign(new Error('db says'), { code }) });
    assert.equal(classifyWriteError(wrap('22021')), 'row');
    assert.equal(classifyWriteError(wrap('23505')), 'row');
    assert.equal(classifyWriteError(wrap('08006')), 'outage');
    assert.equal(classifyWriteError(wrap('57P01')), 'outage');
    assert.equal(classifyWriteError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), 'outage');
    assert.equal(classifyWriteError(new Error('who knows')), 'unknown');
  });
});
