import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { composeEmail, composeSms } from '../src/gov/notify/compose.ts';
import { startPlatform } from './helpers.ts';
import { decodeBody, newbornCase, smtp, until } from './gov-notify-helpers.ts';
import { as, govOf } from './gov-suite.ts';

test('an applicant who chose Uyghur gets the notice in Uyghur by e-mail and SMS, ids and Chinese isolated; the app has the Uyghur too', async () => {
  const mail = await smtp();
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-notify-ug-'));
  const smsFile = join(dir, 'sms.jsonl');
  const t = await startPlatform({ env: { SHUZHI_SMTP_URL: mail.url, SHUZHI_GOV_SMS_SINK: smsFile } });
  try {
    await govOf(t).seedDemo!();
    const c = await as(t, 'citizen');
    assert.equal((await c.req('PUT', '/api/gov/contact', { email: 'ana@example.test', phone: '13900002222', lang: 'ug' })).status, 200);
    assert.equal((await c.req('GET', '/api/gov/contact')).body.lang, 'ug');
    const id = await newbornCase(t, 'notify-ug-1');
    await until('the e-mail and SMS', async () => {
      await govOf(t).sender.runOnce();
      return mail.mails.length > 0 && existsSync(smsFile);
    });
    const isolated = `\u2068${id}\u2069`;
    const m = mail.mails[0]!;
    assert.equal(m.subject, `ئىلتىماس ${isolated} نىڭ بېجىرىلىش ئەھۋالى`);
    const body = decodeBody(m.raw);
    assert.ok(body.startsWith('«بوۋاق تۇغۇلۇش» ئىلتىماسىڭىز'), body);
    assert.ok(body.includes(`ئىلتىماس نومۇرى: ${isolated}`), body);
    assert.doesNotMatch(body, /[\u4e00-\u9fff]/, 'no Chinese left in a Uyghur notice about a catalogued item');
    const [sms] = readFileSync(smsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string });
    assert.ok(sms!.text.startsWith('\u200f['), 'a right-to-left mark opens the SMS');
    assert.ok(sms!.text.includes(`(${isolated})`), sms!.text);
    // In the app the notice carries all three languages; the web shows the one the reader chose.
    const notes = (await c.req('GET', '/api/gov/notifications')).body.items as { applicationId: string; kind: string; message: { zh: string; en: string; ug?: string } }[];
    const received = notes.find((n) => n.applicationId === id && n.kind === 'received')!;
    assert.match(received.message.zh, /已受理/);
    assert.match(received.message.en, /was received/);
    assert.ok(received.message.ug?.includes(isolated), JSON.stringify(received.message));
  } finally {
    await t.close();
    await mail.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a notice written before notices carried Uyghur goes out in Chinese, isolated inside the Uyghur frame', () => {
  const old = { zh: '补正材料已收到', en: 'Your supplement was received' };
  assert.equal(composeSms(old, 'app_1', 'ug'), '\u200f[\u2068Shuzhi\u2069] \u2068补正材料已收到\u2069 (\u2068app_1\u2069)');
  assert.equal(composeSms(old, 'app_1', 'zh'), '【数智政务】补正材料已收到 (app_1)');
  assert.match(composeEmail({ ...old, ug: 'تولۇقلىمىڭىز تاپشۇرۇۋېلىندى' }, null, 'ug').text, /^تولۇقلىمىڭىز تاپشۇرۇۋېلىندى\n\n— /);
});
