/** What the gov notice tests share: a real SMTP server, reading what it received, a newborn case to notify about. */
import assert from 'node:assert/strict';
import { SMTPServer } from 'smtp-server';
import type { TestPlatform } from './helpers.ts';
import { answersFor, as, materialsFor } from './gov-suite.ts';

const ALL = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'];

export interface Mail { to: string[]; subject: string; raw: string }

/** A real SMTP server on a free port; `refuse` recipients get a temporary 451 while it is above 0. */
export async function smtp(opts: { refuse?: number } = {}) {
  const mails: Mail[] = [];
  let refuse = opts.refuse ?? 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(addr, _s, cb) {
      if (refuse > 0) {
        refuse--;
        const err = Object.assign(new Error('try again later'), { responseCode: 451 });
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        const subject = raw.match(/^Subject: (.*(?:\r\n[ \t].*)*)/m)?.[1] ?? '';
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: decodeHeader(subject), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as { port: number }).port;
  return { mails, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Subjects with Chinese come MIME-encoded (=?UTF-8?B?…?= / =?UTF-8?Q?…?=). */
function decodeHeader(h: string): string {
  return h.replace(/\r\n[ \t]/g, '').replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, txt: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(txt, 'base64').toString('utf8') : Buffer.from(txt.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h2: string) => String.fromCharCode(parseInt(h2, 16))), 'latin1').toString('utf8'));
}

/** The text part of a message nodemailer wrote (quoted-printable or base64, UTF-8). */
export function decodeBody(raw: string): string {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  if (/Content-Transfer-Encoding: base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head)) {
    return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8').replace(/\r\n/g, '\n');
  }
  return body.replace(/\r\n/g, '\n');
}

export async function newbornCase(t: TestPlatform, key: string): Promise<string> {
  const c = await as(t, 'citizen');
  const pre = (await c.req('POST', '/api/gov/prefill', { itemId: 'item_newborn', consent: ALL })).body;
  const sub = await c.req('POST', '/api/gov/applications', { itemId: 'item_newborn', idempotencyKey: key, consent: ALL, answers: answersFor(pre), materials: materialsFor(pre) });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  return sub.body.application.id;
}

export async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}
