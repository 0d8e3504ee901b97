import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { client, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { NEWBORN_OFFICERS, govOf } from '../../packages/server/test/gov-suite.ts';
import { launchBrowser } from '../support/browser.ts';
import { ensureWebBuilt } from '../support/web.ts';

let t: TestPlatform;
let browser: Browser;

before(async () => {
  ensureWebBuilt();
  t = await startPlatform();
  await govOf(t).seedDemo!();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

async function signedIn(username: string, mobile = false): Promise<BrowserContext> {
  const ctx = await browser.newContext(mobile ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : { viewport: { width: 1280, height: 900 } });
  const [name, value] = (await login(t.url, username)).split('=');
  await ctx.addCookies([{ name: name!, value: value!, url: t.url }]);
  return ctx;
}

const valueFor: Record<string, string> = { phone: '13800138000', bank_account: '6222020200112233', date: '2025-06-01', number: '3' };

test('in Chromium: a parent applies for 新生儿出生 on the phone, officers approve, certificates are issued once and verify', async () => {
  // 1. The parent on the mobile layout: consent, most fields filled from the registries, the rest typed in.
  const phoneCtx = await signedIn('citizen', true);
  const phone = await phoneCtx.newPage();
  await phone.goto(`${t.url}/#/gov/app/apply/item_newborn`);
  await phone.getByTestId('gov-phone').waitFor();
  await phone.getByTestId('gov-consent-agree').check();
  await phone.getByTestId('gov-prefill').click();
  await phone.getByTestId('gov-form').waitFor();
  const filled = await phone.locator('[data-testid^="gov-filled-"]').count();
  const inputs = phone.locator('[data-testid^="gov-field-"]');
  const asked = await inputs.count();
  assert.ok(filled > asked, `most fields prefilled: ${filled} filled, ${asked} asked`);
  assert.ok(await phone.getByTestId('gov-filled-child.name').isVisible());
  // A wrong phone number is named at its field; nothing is filed.
  for (let i = 0; i < asked; i++) {
    const input = inputs.nth(i);
    const id = (await input.getAttribute('data-testid'))!.slice('gov-field-'.length);
    const type = await input.getAttribute('type');
    const tag = await input.evaluate((el) => el.tagName);
    if (tag === 'SELECT') await input.selectOption({ index: 1 });
    else if (id === 'contact.phone') await input.fill('123');
    else if (id === 'payee.bankAccount') await input.fill(valueFor['bank_account']!);
    else await input.fill(type === 'date' ? valueFor['date']! : type === 'number' ? '3' : '测试');
  }
  await phone.getByTestId('gov-submit').click();
  await phone.getByTestId('gov-error-answers.contact.phone').waitFor();
  await phone.getByTestId('gov-field-contact.phone').fill(valueFor['phone']!);
  // A double tap on submit still files one application (idempotency key).
  await phone.getByTestId('gov-submit').dblclick();
  await phone.getByTestId('gov-application').waitFor({ timeout: 15_000 });
  const appId = decodeURIComponent(phone.url().split('/').pop()!);
  const api = client(t.url, { cookie: await login(t.url, 'citizen') });
  const mine = await api.req('GET', '/api/gov/applications');
  assert.equal(mine.body.items.filter((a: { itemId: string }) => a.itemId === 'item_newborn').length, 1);
  assert.equal(await phone.getByTestId('gov-task-svc_nb_household_registration').getAttribute('data-state'), 'pending');

  // 2. Each department's officer approves its own tasks in its workbench, round after round as dependencies clear.
  const pages: Page[] = [];
  for (const officer of NEWBORN_OFFICERS) pages.push(await (await signedIn(officer)).newPage());
  for (let round = 0; round < 6; round++) {
    for (const page of pages) {
      // Same hash twice is no navigation: reload so the page shows what the other departments just did.
      const target = `${t.url}/#/gov/work/${appId}`;
      if (page.url() === target) await page.reload();
      else await page.goto(target);
      await page.getByTestId('gov-application').waitFor();
      for (;;) {
        const buttons = page.locator('[data-testid^="gov-approve-"]');
        if ((await buttons.count()) === 0) break;
        const serviceId = (await buttons.first().getAttribute('data-testid'))!.slice('gov-approve-'.length);
        await buttons.first().click();
        await waitUntil(`${serviceId} approved`, async () => (await page.getByTestId(`gov-task-${serviceId}`).getAttribute('data-state')) === 'approved', 10_000);
      }
    }
    const status = (await api.req('GET', `/api/gov/applications/${appId}`)).body.status;
    if (status === 'issued') break;
  }
  const app = (await api.req('GET', `/api/gov/applications/${appId}`)).body;
  assert.equal(app.status, 'issued');
  const at = (id: string) => app.tasks.find((x: { serviceId: string }) => x.serviceId === id).history.find((h: { to: string }) => h.to === 'approved').at;
  assert.ok(at('svc_nb_birth_medical_certificate') <= at('svc_nb_household_registration'));

  // 3. The parent sees the certificates once, with QR codes, and is told once.
  await phone.reload();
  await waitUntil('issued on the phone', async () => (await phone.getByTestId('gov-application').getAttribute('data-status')) === 'issued', 15_000);
  assert.equal(await phone.locator('[data-testid^="gov-cert-"]').count(), 5);
  const notes = (await api.req('GET', '/api/gov/notifications')).body.items.filter((n: { kind: string; applicationId: string }) => n.kind === 'ready' && n.applicationId === appId);
  assert.equal(notes.length, 1);

  // 4. The public verification page, without login: valid; a tampered copy: tampered.
  const cert = app.certificates.find((c: { type: string }) => c.type === 'HOUSEHOLD_REGISTER');
  const anon = await browser.newContext();
  const verify = await anon.newPage();
  await verify.goto(`${t.url}/#/verify/${cert.id}`);
  const verdict = verify.getByTestId('gov-verdict');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-result'), 'valid');
  const tampered = cert.text.replace(/"householdNumber":"[^"]*"|"child\.name":"[^"]*"/, (m: string) => m.replace(/:"[^"]*"/, ':"篡改"'));
  assert.notEqual(tampered, cert.text);
  await verify.getByTestId('gov-verify-text').fill(tampered);
  await verify.getByTestId('gov-verify-check').click();
  await waitUntil('tampered verdict', async () => (await verdict.getAttribute('data-result')) === 'tampered', 10_000);

  // 5. "Who looked at my data" lists the officers' reads.
  await phone.goto(`${t.url}/#/gov/app/data`);
  await phone.getByTestId('gov-access-log').waitFor();
  assert.ok((await phone.locator('[data-testid="gov-access-log"] tbody tr').count()) > 0);
  await anon.close();
  await phoneCtx.close();
});
