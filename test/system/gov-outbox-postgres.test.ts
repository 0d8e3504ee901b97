// Two senders on one PostgreSQL (as two replicas would run): every notice is delivered exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { LocalSmsSink, openDatabase, OutboxSender, type SmsMessage, type SmsProvider } from '@shuzhi/server/testing';
import { startPlatform } from '../../packages/server/test/helpers.ts';
import { answersFor, as, govOf, materialsFor } from '../../packages/server/test/gov-suite.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';

const ALL = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'];
const CASES = 30;
const noop = () => undefined;
const silent = { info: noop, warn: noop, error: noop, debug: noop } as never;

let pg: PostgresHandle;
before(async () => {
  pg = await startPostgres({ database: 'shuzhi_gov_outbox' });
});
after(async () => {
  await pg?.stop();
});

/** The sink, slowed a little so that the two senders' rounds overlap, counting what each sent. */
class CountingSink implements SmsProvider {
  readonly description = 'counting LocalSmsSink';
  readonly sent: string[] = [];
  constructor(private readonly sink: LocalSmsSink) {}
  async send(m: SmsMessage): Promise<void> {
    await new Promise((r) => setTimeout(r, 20));
    await this.sink.send(m);
    this.sent.push(m.id);
  }
}

test('two senders on one PostgreSQL deliver each notice once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-outbox-pg-'));
  const file = join(dir, 'sms.jsonl');
  const t = await startPlatform({ databaseUrl: pg.url, env: { SHUZHI_GOV_SMS_SINK: file } });
  const second = await openDatabase({ url: pg.url });
  await second.endMigrations();
  try {
    // Only the two senders below deliver.
    await govOf(t).sender.stop();
    await govOf(t).seedDemo!();
    const c = await as(t, 'citizen');
    assert.equal((await c.req('PUT', '/api/gov/contact', { email: null, phone: '13900003333', lang: 'zh' })).status, 200);
    const pre = (await c.req('POST', '/api/gov/prefill', { itemId: 'item_newborn', consent: ALL })).body;
    for (let i = 0; i < CASES; i++) {
      const r = await c.req('POST', '/api/gov/applications', { itemId: 'item_newborn', idempotencyKey: `outbox-pg-${i}`, consent: ALL, answers: answersFor(pre), materials: materialsFor(pre) });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const sinkA = new CountingSink(new LocalSmsSink(file));
    const sinkB = new CountingSink(new LocalSmsSink(file));
    const clock = { now: () => Date.now() };
    const a = new OutboxSender({ db: govOf(t).deps.db, clock, log: silent, email: null, sms: sinkA });
    const b = new OutboxSender({ db: second.db, clock, log: silent, email: null, sms: sinkB });
    const drain = async (s: OutboxSender) => {
      while ((await s.runOnce()) > 0);
    };
    await Promise.all([drain(a), drain(b)]);

    assert.ok(sinkA.sent.length > 0 && sinkB.sent.length > 0, `both sent: ${sinkA.sent.length} + ${sinkB.sent.length}`);
    const all = [...sinkA.sent, ...sinkB.sent];
    assert.equal(all.length, CASES);
    assert.equal(new Set(all).size, CASES);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, CASES);
    // Read as SQL: the gov module's tables are its own, not the platform's testing API.
    const { rows } = (await second.db.execute(sql`select status, attempts from gov_outbox`)) as unknown as { rows: { status: string; attempts: number }[] };
    assert.equal(rows.length, CASES);
    assert.ok(rows.every((r) => r.status === 'sent' && Number(r.attempts) === 1));
  } finally {
    await second.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
