// In Chromium, over real OPC UA (SignAndEncrypt): an operator logs in, starts the face, sees each machine
// turn green in order, and acknowledges an alarm; a viewer sees the same face with its command buttons
// disabled; a face whose PLC certificate is not trusted shows as not connected and why, and an engineer
// trusts it on the face's Security panel; a face set to security None carries a warning banner.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildFace } from '@shuzhi/mine';
import { client, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { mineServiceOf, startTrustedSim, testFace } from '../../packages/server/test/mine-harness.ts';
import { startMineSimulator, type MineSimulator } from '../../sim/mine/server.ts';
import { freePort } from '../../sim/free-port.ts';
import { launchBrowser } from '../support/browser.ts';
import { ensureWebBuilt } from '../support/web.ts';

const FACE = 'face-1';
// slow enough that every machine is seen warning, then starting, then running
// Each warning lasts long enough to be drawn on its own: a shorter one can reach a loaded browser in the
// same stream batch as the start that follows it, and React draws only the later state.
const config = testFace((c) => ({ ...c, id: FACE, machines: c.machines.map((m) => ({ ...m, warningMs: 600 })) }));
const face = buildFace(config);

let t: TestPlatform;
let sim: MineSimulator;
let browser: Browser;
let pki: string;
const extraSims: MineSimulator[] = [];

before(async () => {
  ensureWebBuilt();
  t = await startPlatform();
  pki = mkdtempSync(join(tmpdir(), 'shuzhi-mine-browser-pki-'));
  sim = await startTrustedSim(mineServiceOf(t), { port: await freePort(), tickMs: 10, face: config, physics: { rampMs: 150, inrushMs: 50 }, pkiFolder: join(pki, 'server') });
  const eng = client(t.url, { cookie: await login(t.url, 'mine-engineer') });
  const r = await eng.req('POST', '/api/mine/faces', { id: FACE, name: '1201 综放工作面', mineId: 'mine-01', endpoint: sim.endpoint, config: { machines: config.machines, sensors: config.sensors } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await t?.close();
  await sim?.stop();
  for (const s of extraSims) await s.stop().catch(() => undefined);
  if (pki) rmSync(pki, { recursive: true, force: true });
});

async function logIn(page: Page, username: string): Promise<void> {
  await page.goto(t.url);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(`${username}-demo`);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').waitFor();
}

// Runs in the page (the test's own type-check has no DOM library, hence a string).
const RECORD_STATES = `(() => {
  window.__mine = { order: [], seen: [] };
  new MutationObserver((muts) => {
    for (const m of muts) {
      const id = (m.target.getAttribute('data-testid') || '').replace('mine-machine-', '');
      const st = m.target.getAttribute('data-state') || '';
      window.__mine.seen.push([id, st]);
      if (st === 'running' && !window.__mine.order.includes(id)) window.__mine.order.push(id);
    }
  }).observe(document.querySelector('[data-testid=mine-diagram]'), { attributes: true, subtree: true, attributeFilter: ['data-state'] });
})()`;

const stateOf = (page: Page, id: string) => page.getByTestId(`mine-machine-${id}`).getAttribute('data-state');

test('in Chromium: an operator starts the face, each machine turns green in start order, and an alarm is acknowledged', async () => {
  const page = await browser.newPage();
  await logIn(page, 'mine-operator');
  await page.getByTestId('nav-mine-control').click();
  await page.getByTestId(`mine-face-card-${FACE}`).click();
  await page.getByTestId('mine-diagram').waitFor();
  await waitUntil('every machine known and stopped', async () => {
    for (const id of face.startOrder) if ((await stateOf(page, id)) !== 'stopped') return false;
    return true;
  });

  // watch the drawing itself: record every state each machine shows, in the order the page shows them
  await page.evaluate(RECORD_STATES);

  // one button, then a confirmation naming the order; nothing moves before the confirmation
  await page.getByTestId('mine-cmd-start').click();
  await page.getByTestId('mine-confirm').waitFor();
  assert.ok(!sim.events.some((e) => e.kind === 'started'), 'nothing started before the confirmation');
  await page.getByTestId('mine-confirm-ok').click();
  // A generous wait: on a loaded machine the 10 ms simulator ticks and the browser both run late; a
  // sequence that stops instead shows another mode, which the failure names.
  await waitUntil('the face running on the page', async () => (await page.getByTestId('mine-mode').getAttribute('data-mode')) === 'running', 60_000).catch(async (e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}; the page shows mode ${await page.getByTestId('mine-mode').getAttribute('data-mode')}; simulator events: ${sim.events.map((x) => x.kind).join(',')}`);
  });

  const seen = (await page.evaluate('window.__mine')) as { order: string[]; seen: [string, string][] };
  assert.deepEqual(seen.order, face.startOrder, 'machines turned green in start order');
  for (const id of face.startOrder) {
    const states = seen.seen.filter(([m]) => m === id).map(([, s]) => s);
    assert.ok(states.indexOf('warning') >= 0 && states.indexOf('warning') < states.indexOf('running'), `${id} warned before running: ${states.join(',')}`);
    assert.equal(await stateOf(page, id), 'running');
  }

  // a trip raises an alarm with no lasting cause: cleared, unacknowledged — the operator acknowledges it
  sim.injectFault('shearer', 'overcurrent');
  const row = page.locator('[data-testid^="mine-alarm-row-"][data-code="MACHINE_TRIP"][data-state="cleared-unacknowledged"]');
  await row.waitFor({ timeout: 10_000 });
  const alarmId = (await row.getAttribute('data-testid'))!.replace('mine-alarm-row-', '');
  await waitUntil('shearer shown as fault', async () => (await stateOf(page, 'shearer')) === 'fault');
  await page.getByTestId(`mine-alarm-ack-${alarmId}`).click();
  await page.getByTestId(`mine-alarm-comment-${alarmId}`).fill('剪切销已检查 shear pin checked');
  await page.getByTestId(`mine-alarm-ack-confirm-${alarmId}`).click();
  await page.getByTestId(`mine-alarm-row-${alarmId}`).waitFor({ state: 'detached', timeout: 10_000 });

  const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
  const history = (await viewer.req('GET', '/api/mine/alarms?state=history&acknowledgedBy=mine-operator')).body.items as { id: string; comment: string }[];
  assert.equal(history.find((a) => a.id === alarmId)?.comment, '剪切销已检查 shear pin checked');
  await page.close();
});

test('in Chromium: a viewer watches the same face but cannot command it', async () => {
  const page = await browser.newPage();
  await logIn(page, 'viewer');
  await page.goto(`${t.url}/#/mine/faces/${FACE}`);
  await page.getByTestId('mine-diagram').waitFor();
  assert.equal(await page.getByTestId('mine-cmd-start').isDisabled(), true);
  assert.equal(await page.getByTestId('mine-cmd-estop').isDisabled(), true);
  await page.getByTestId('mine-no-command-role').waitFor();
  await page.close();
});

// Runs in the page: for each machine box, every pair of its text lines whose rectangles intersect, and
// every line that leaves its box (1 px of rounding allowed).
const TEXT_CLASHES = `(() => {
  const out = [];
  const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const g of document.querySelectorAll('[data-testid^="mine-machine-"]')) {
    const id = g.getAttribute('data-testid');
    const box = g.querySelector('rect').getBoundingClientRect();
    const texts = [...g.querySelectorAll('text')].map((el) => ({ text: el.textContent, r: el.getBoundingClientRect() }));
    for (const t of texts) {
      if (t.r.left < box.left - 1 || t.r.right > box.right + 1 || t.r.top < box.top - 1 || t.r.bottom > box.bottom + 1) out.push(id + ': "' + t.text + '" leaves its box');
    }
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++)
        if (overlap(texts[i].r, texts[j].r)) out.push(id + ': "' + texts[i].text + '" overlaps "' + texts[j].text + '"');
  }
  return out;
})()`;

test('in Chromium: the equipment boxes keep machine names, kinds and states apart at every width from 1280 to 1920, in both languages', async () => {
  const page = await browser.newPage();
  await logIn(page, 'viewer');
  await page.goto(`${t.url}/#/mine/faces/${FACE}`);
  await page.getByTestId('mine-diagram').waitFor();
  await waitUntil('the machines drawn', async () => (await page.locator('[data-testid^="mine-machine-"]').count()) === face.startOrder.length);
  const sw = page.getByTestId('lang-switch');
  for (const lang of ['zh-CN', 'en']) {
    if ((await sw.getAttribute('data-lang')) !== lang) await sw.click();
    await waitUntil(lang, async () => (await sw.getAttribute('data-lang')) === lang);
    for (const width of [1280, 1366, 1440, 1600, 1920]) {
      await page.setViewportSize({ width, height: 1000 });
      // Each line is fitted to its box after layout: wait a frame for the fitting.
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      assert.deepEqual(await page.evaluate(TEXT_CLASHES), [], `${lang} at ${width} px`);
    }
  }
  await page.close();
});

test('in Chromium: a face whose PLC certificate is untrusted shows not connected and why; the engineer trusts it on the Security panel and it connects', async () => {
  const id = 'face-untrusted';
  const c = testFace((x) => ({ ...x, id }));
  // this PLC trusts the server, but the server has never seen the PLC's certificate
  const plc = await startMineSimulator({ port: await freePort(), tickMs: 20, face: c, physics: { rampMs: 150, inrushMs: 50 }, pkiFolder: join(pki, 'untrusted'), trustedClientCertificates: [(await mineServiceOf(t).openPki()).ownDer()] });
  extraSims.push(plc);
  const eng = client(t.url, { cookie: await login(t.url, 'mine-engineer') });
  const r = await eng.req('POST', '/api/mine/faces', { id, name: '2103 综采工作面', mineId: 'mine-02', endpoint: plc.endpoint, config: { machines: c.machines, sensors: c.sensors } });
  assert.equal(r.status, 201, JSON.stringify(r.body));

  const page = await browser.newPage();
  await logIn(page, 'mine-engineer');
  await page.goto(`${t.url}/#/mine/faces/${id}`);
  const why = page.getByTestId('mine-link-error');
  await why.waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('mine-plc').getAttribute('data-connected'), 'false');
  assert.equal(await why.getAttribute('data-code'), 'MINE_OPCUA_PLC_CERT_UNTRUSTED');
  const text = (await page.getByTestId('mine-link-error-text').textContent()) ?? '';
  assert.ok(text.includes(plc.thumbprint) && text.includes(`shuzhi mine certs trust ${plc.thumbprint}`), text);

  await page.getByTestId(`mine-cert-trust-${plc.thumbprint}`).click();
  await waitUntil('the page shows the face connected', async () => (await page.getByTestId('mine-plc').getAttribute('data-connected')) === 'true', 20_000);
  await why.waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await page.getByTestId('mine-insecure-banner').count(), 0, 'no None warning on a secure face');
  await page.close();
  await plc.stop();
});

test('in Chromium: a face set to security None shows a warning banner on its page and on the control room card', async () => {
  const id = 'face-plain';
  const c = testFace((x) => ({ ...x, id }));
  const plc = await startMineSimulator({ port: await freePort(), tickMs: 20, face: c, physics: { rampMs: 150, inrushMs: 50 }, pkiFolder: join(pki, 'plain'), security: 'None' });
  extraSims.push(plc);
  const eng = client(t.url, { cookie: await login(t.url, 'mine-engineer') });
  const r = await eng.req('POST', '/api/mine/faces', { id, name: 'test link', mineId: 'mine-04', endpoint: plc.endpoint, config: { machines: c.machines, sensors: c.sensors, security: { mode: 'None', policy: 'None' } } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const page = await browser.newPage();
  await logIn(page, 'viewer');
  await page.goto(`${t.url}/#/mine/faces/${id}`);
  await waitUntil('connected', async () => (await page.getByTestId('mine-plc').getAttribute('data-connected')) === 'true', 20_000);
  const banner = page.getByTestId('mine-insecure-banner');
  await banner.waitFor();
  assert.match((await banner.textContent()) ?? '', /未签名、未加密|neither signed nor encrypted/);
  await page.goto(`${t.url}/#/mine`);
  await page.getByTestId(`mine-face-insecure-${id}`).waitFor();
  await page.close();
  await plc.stop();
});
