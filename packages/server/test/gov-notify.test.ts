import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { ConfigError, configHelp, loadConfig } from '../src/config.ts';
import { govOutbox } from '../src/gov/db-schema.ts';
import { maskInText } from '../src/gov/notify/compose.ts';
import { smtpSender } from '../src/gov/notify/email.ts';
import { OutboxSender } from '../src/gov/notify/sender.ts';
import { LocalSmsSink } from '../src/gov/notify/sms.ts';
import { startPlatform } from './helpers.ts';
import { newbornCase, smtp, until } from './gov-notify-helpers.ts';
import { as, govOf } from './gov-suite.ts';
import { migratedDataDir } from './pglite-template.ts';

const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;

test('a status change reaches its applicant in the app, by e-mail through a real SMTP server and by SMS; nobody else sees it', async () => {
  const mail = await smtp();
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-notify-'));
  const smsFile = join(dir, 'sms.jsonl');
  const t = await startPlatform({ env: { SHUZHI_SMTP_URL: mail.url, SHUZHI_SMTP_FROM: '数智政务 <no-reply@gov.example.test>', SHUZHI_GOV_SMS_SINK: smsFile } });
  try {
    await govOf(t).seedDemo!();
    const c = await as(t, 'citizen');
    const bad = await c.req('PUT', '/api/gov/contact', { email: 'not-an-address', phone: null, lang: 'zh' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /email/);
    assert.equal((await c.req('PUT', '/api/gov/contact', { email: 'mother@example.test', phone: '13900001111', lang: 'zh' })).status, 200);
    const id = await newbornCase(t, 'notify-0001');

    await until('the e-mail', async () => {
      await govOf(t).sender.runOnce();
      return mail.mails.length > 0 && existsSync(smsFile);
    });
    assert.deepEqual(mail.mails[0]!.to, ['mother@example.test']);
    assert.ok(mail.mails[0]!.subject.includes(id), mail.mails[0]!.subject);
    assert.match(mail.mails[0]!.subject, /一件事/);
    const sms = readFileSync(smsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { to: string; text: string });
    assert.equal(sms.length, 1);
    assert.equal(sms[0]!.to, '13900001111');
    assert.ok(sms[0]!.text.includes(id));

    const list = await c.req('GET', '/api/gov/notifications');
    const mine = list.body.items.find((n: { applicationId: string; kind: string }) => n.applicationId === id && n.kind === 'received');
    assert.ok(mine, JSON.stringify(list.body));
    assert.equal(mine.readAt, null);
    const other = await as(t, 'citizen2');
    assert.equal((await other.req('GET', '/api/gov/notifications')).body.items.filter((n: { applicationId: string }) => n.applicationId === id).length, 0);
    assert.equal((await other.req('POST', `/api/gov/notifications/${mine.id}/read`)).status, 404);
    assert.equal((await c.req('POST', `/api/gov/notifications/${mine.id}/read`)).status, 204);
    const after = (await c.req('GET', '/api/gov/notifications')).body.items.find((n: { id: string }) => n.id === mine.id);
    assert.ok(after.readAt);
    // Another applicant's contact details are not theirs to read.
    assert.equal((await other.req('GET', '/api/gov/contact')).body.email, null);
  } finally {
    await t.close();
    await mail.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a refused e-mail is retried with backoff and delivered once; operators see the failure meanwhile', async () => {
  const mail = await smtp({ refuse: 1 });
  const t = await startPlatform({ env: { SHUZHI_SMTP_URL: mail.url, SHUZHI_GOV_SMS_SINK: 'off' } });
  try {
    await govOf(t).seedDemo!();
    const c = await as(t, 'citizen');
    await c.req('PUT', '/api/gov/contact', { email: 'mother@example.test', phone: null, lang: 'en' });
    const id = await newbornCase(t, 'notify-retry-1');
    const db = govOf(t).deps.db;
    await until('the refusal', async () => {
      await govOf(t).sender.runOnce();
      const [row] = await db.select().from(govOutbox);
      return row?.attempts === 1;
    });
    const [refused] = await db.select().from(govOutbox);
    assert.equal(refused!.status, 'pending');
    assert.match(refused!.lastError ?? '', /451/);
    assert.equal(mail.mails.length, 0);
    const ops = await as(t, 'operator');
    const status = (await ops.req('GET', '/api/gov/outbox')).body;
    assert.equal(status.failures[0].id, refused!.id);
    assert.equal(status.failures[0].to, 'm***@example.test');

    // The retry is due 30 s later: a sender whose clock is past it delivers; the same round again sends nothing more.
    const later = new OutboxSender({ db, clock: { now: () => Date.now() + 31_000 }, log: silent, email: smtpSender(mail.url, 'no-reply@example.test'), sms: null });
    assert.equal(await later.runOnce(), 1);
    assert.equal(await later.runOnce(), 0);
    await later.stop();
    assert.equal(mail.mails.length, 1);
    assert.ok(mail.mails[0]!.subject.includes(id));
    const [sent] = await db.select().from(govOutbox).where(eq(govOutbox.id, refused!.id));
    assert.equal(sent!.status, 'sent');
    assert.equal(sent!.attempts, 2);
  } finally {
    await t.close();
    await mail.close();
  }
});

test('a restart resumes unsent notices: rows a killed sender had claimed are sent once its lease runs out, and only once', async () => {
  const dataDir = await migratedDataDir();
  const smsFile = join(dataDir, 'sms.jsonl');
  try {
    let t = await startPlatform({ dataDir, env: { SHUZHI_GOV_SMS_SINK: smsFile } });
    await govOf(t).seedDemo!();
    const c = await as(t, 'citizen');
    await c.req('PUT', '/api/gov/contact', { email: null, phone: '13900002222', lang: 'zh' });
    // As if a sender had claimed the row and been killed before sending: stop this one first.
    await govOf(t).sender.stop();
    const id = await newbornCase(t, 'notify-restart-1');
    const db0 = govOf(t).deps.db;
    await db0.update(govOutbox).set({ claimedBy: 'snd_killed', claimedUntil: new Date(Date.now() + 60_000) });
    await t.close();

    t = await startPlatform({ dataDir, env: { SHUZHI_GOV_SMS_SINK: smsFile } });
    const db = govOf(t).deps.db;
    assert.equal(await govOf(t).sender.runOnce(), 0, 'the lease of the killed sender still holds');
    const later = new OutboxSender({ db, clock: { now: () => Date.now() + 61_000 }, log: silent, email: null, sms: new LocalSmsSink(smsFile) });
    assert.equal(await later.runOnce(), 1);
    assert.equal(await later.runOnce(), 0);
    await t.close();
    const lines = readFileSync(smsFile, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.includes(id));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('notice settings are validated and listed in --help; addresses are masked in texts meant for logs', () => {
  assert.equal(loadConfig({}).SHUZHI_SMTP_URL, undefined);
  assert.equal(loadConfig({ SHUZHI_SMTP_URL: 'smtps://u:p@mail.example.cn:465' }).SHUZHI_SMTP_URL, 'smtps://u:p@mail.example.cn:465');
  assert.throws(() => loadConfig({ SHUZHI_SMTP_URL: 'http://mail.example.cn' }), (e: Error) => e instanceof ConfigError && /SHUZHI_SMTP_URL: .*smtp:\/\//.test(e.message));
  assert.throws(() => loadConfig({ SHUZHI_SMTP_FROM: 'nobody' }), (e: Error) => e instanceof ConfigError && /SHUZHI_SMTP_FROM/.test(e.message));
  assert.throws(() => loadConfig({ SHUZHI_GOV_DEMO_PER_MINUTE: '-1' }), (e: Error) => e instanceof ConfigError && /SHUZHI_GOV_DEMO_PER_MINUTE/.test(e.message));
  for (const k of ['SHUZHI_SMTP_URL', 'SHUZHI_SMTP_FROM', 'SHUZHI_GOV_SMS_SINK', 'SHUZHI_GOV_DEMO_PER_MINUTE'] as const) assert.ok(configHelp[k].length > 20, k);
  assert.equal(maskInText('550 <mother@example.test> unknown; sms 13900001111'), '550 <m***@example.test> unknown; sms 139****1111');
});
