// In Chromium, once per demo role: sign in through the login form, land on the role's own start page
// (its door), then open every page its navigation lists. No page may earn a 4xx/5xx answer from the API
// (a call the role may not make), the console stays free of errors, and axe-core finds no serious or
// critical accessibility violation on any page (the login and public verification pages included).
// With SHUZHI_SCREENSHOTS=1 (`npm run screenshots`) it also photographs each front door for the README.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page, Response } from 'playwright-core';
import { startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { launchBrowser } from '../support/browser.ts';
import { ensureWebBuilt } from '../support/web.ts';
import { a11yTable, checkA11y, type A11yResult } from './axe.ts';

let t: TestPlatform;
let browser: Browser;

before(async () => {
  ensureWebBuilt();
  t = await startPlatform();
  // Every module's demo data, as `npm start` seeds it (the programme admin's programme, gov cases, data products, mine faces).
  for (const m of t.p.modules) await m.seedDemo?.();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await t?.close();
  console.log(`axe-core violations (nodes) per page and impact:\n${a11yTable(a11y)}`);
});

const a11y: A11yResult[] = [];
/**
 * Pages already checked by axe-core. Roles sharing a door (operator and viewer, officer and supervisor)
 * see the same page built from the same components; each page is checked once, by the first role in
 * DOORS that opens it, so the walk's cost grows with the pages, not with roles × pages.
 */
const audited = new Set<string>();

/**
 * One screenshot per front door (docs/screenshots/<door>.png, shown in the README): who opens it, where,
 * at which screen size. Only with SHUZHI_SCREENSHOTS=1, so ordinary runs leave the tree clean.
 */
const SHOTS: ReadonlyArray<{ door: string; username: string; path: string; viewport: { width: number; height: number } }> = [
  { door: 'console', username: 'operator', path: '/compute/overview', viewport: { width: 1280, height: 800 } },
  { door: 'window', username: 'window', path: '/gov/window', viewport: { width: 1280, height: 800 } },
  { door: 'workbench', username: 'officer', path: '/gov/work', viewport: { width: 1280, height: 800 } },
  { door: 'supervisor', username: 'supervisor', path: '/gov/dashboard', viewport: { width: 1280, height: 800 } },
  { door: 'citizen', username: 'citizen', path: '/gov/app', viewport: { width: 390, height: 844 } },
  // The kiosk door is laid out for a portrait 1080×1920 touch screen (a service hall's terminal).
  { door: 'kiosk', username: 'citizen', path: '/gov/kiosk', viewport: { width: 1080, height: 1920 } },
  { door: 'wall', username: 'viewer', path: '/wall', viewport: { width: 1920, height: 1080 } },
];
const SHOT_DIR = new URL('../../docs/screenshots/', import.meta.url);

async function photograph(page: Page, username: string, path: string): Promise<void> {
  if (process.env.SHUZHI_SCREENSHOTS !== '1') return;
  for (const shot of SHOTS.filter((x) => x.username === username && x.path === path)) {
    const before = page.viewportSize();
    mkdirSync(SHOT_DIR, { recursive: true });
    await page.setViewportSize(shot.viewport);
    // Charts re-measure on resize; let them draw before the picture.
    await page.waitForTimeout(800);
    await page.screenshot({ path: new URL(`${shot.door}.png`, SHOT_DIR).pathname });
    if (before) await page.setViewportSize(before);
  }
}

test('in Chromium: the login page and the public verification page have no serious or critical accessibility violations', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(t.url);
  await page.getByTestId('login-username').waitFor();
  const login = await checkA11y(page, '(login)');
  // An unknown certificate: the page shows the state a mistyped QR link leads to.
  await page.goto(`${t.url}/#/verify/CERT-UNKNOWN`);
  await page.locator('[data-testid="gov-verdict"], .error-box').first().waitFor();
  const verify = await checkA11y(page, '/verify/…');
  a11y.push(login, verify);
  assert.deepEqual([...login.blocking, ...verify.blocking], []);
  await ctx.close();
});

/** Each demo user (packages/server/src/demo/network.ts) and the page it must land on after signing in. */
const DOORS: ReadonlyArray<[username: string, door: string]> = [
  ['citizen', '/gov/app'],
  ['enterprise', '/gov/app'],
  ['window', '/gov/window'],
  ['officer', '/gov/work'],
  ['supervisor', '/gov/dashboard'],
  ['mine-operator', '/mine'],
  ['mine-engineer', '/mine'],
  ['programme', '/billing/programme'],
  ['tenant', '/compute/jobs'],
  ['operator', '/compute/overview'],
  ['viewer', '/compute/overview'],
];

/** Doors a role opens by their address rather than from its navigation: a citizen signs in at a service-hall kiosk. */
const OTHER_DOORS: Readonly<Record<string, readonly string[]>> = { citizen: ['/gov/kiosk'], enterprise: ['/gov/kiosk'] };

/** Every page of the app's navigation, whoever sees it. */
const ALL_PAGES = [
  '/compute/overview', '/compute/map', '/compute/sites', '/compute/jobs', '/compute/submit', '/compute/plan', '/compute/workers',
  '/render', '/render/nodes',
  '/gov', '/gov/app', '/gov/kiosk', '/gov/window', '/gov/work', '/gov/dashboard',
  '/mine', '/mine/alarms', '/mine/fleet', '/mine/audit', '/mine/settings',
  '/billing', '/billing/programme', '/billing/revenue',
  '/data', '/data/consumer', '/data/provider', '/data/scenarios',
];

const hashPath = (page: Page) => new URL(page.url()).hash.replace(/^#/, '').split('?')[0] ?? '';

/** Waits until no API call is in flight (the event stream excepted) and no loading placeholder shows. */
async function settled(page: Page, inflight: () => number, where: string): Promise<void> {
  await page.locator('main.main').waitFor();
  await waitUntil(`${where} to settle`, async () => inflight() === 0 && (await page.locator('main .loading').count()) === 0, 15_000);
  // Twice, a moment apart: a page that fetches in a second wave (a list, then its details) is caught too.
  await page.waitForTimeout(300);
  await waitUntil(`${where} to settle`, async () => inflight() === 0 && (await page.locator('main .loading').count()) === 0, 15_000);
}

for (const [username, door] of DOORS) {
  test(`in Chromium: ${username} lands on ${door}, and every page of its navigation answers without 4xx/5xx or console errors`, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const bad: string[] = [];
    const consoleErrors: string[] = [];
    let inflight = 0;
    const isApi = (url: string) => new URL(url).pathname.startsWith('/api/') && new URL(url).pathname !== '/api/events';
    page.on('request', (r) => {
      if (isApi(r.url())) inflight++;
    });
    const done = (url: string) => {
      if (isApi(url)) inflight = Math.max(0, inflight - 1);
    };
    page.on('requestfinished', (r) => done(r.url()));
    page.on('requestfailed', (r) => done(r.url()));
    let where = '(login)';
    page.on('response', (r: Response) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/') && r.status() >= 400) bad.push(`${where}: ${r.request().method()} ${path} → ${r.status()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${where}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${where}: ${e.message}`));

    // The login check before signing in answers 401 by design: it is not a call the role makes.
    await page.goto(t.url);
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill(`${username}-demo`);
    bad.length = 0;
    consoleErrors.length = 0;
    await page.getByTestId('login-submit').click();
    await page.getByTestId('current-user').waitFor();
    where = '(start)';
    await settled(page, () => inflight, where);
    const landed = hashPath(page);
    const blocking: string[] = [];
    const audit = async (label: string) => {
      if (audited.has(label)) return;
      audited.add(label);
      const r = await checkA11y(page, `${username} ${label}`);
      a11y.push(r);
      blocking.push(...r.blocking);
    };

    const links = page.locator('nav.nav a[data-testid^="nav-"]');
    const targets: string[] = [];
    for (let i = 0; i < (await links.count()); i++) targets.push((await links.nth(i).getAttribute('href'))!.replace(/^#/, ''));
    assert.ok(targets.length > 0, `${username} has a navigation`);
    const nav = targets.join(', ');

    for (const target of targets) {
      where = target;
      await page.locator(`nav.nav a[href="#${target}"]`).click();
      await waitUntil(`${target} to open`, async () => hashPath(page) === target, 5_000);
      await settled(page, () => inflight, where);
      assert.equal(await page.locator('main [data-testid="not-found"], main [data-testid="not-allowed"]').count(), 0, `${target} exists and is open to ${username}`);
      await audit(target);
      await photograph(page, username, target);
    }

    const others = OTHER_DOORS[username] ?? [];
    for (const target of others) {
      where = `${target} (another door of the role)`;
      await page.evaluate(`location.hash = ${JSON.stringify(target)}`);
      await settled(page, () => inflight, where);
      assert.equal(await page.locator('main [data-testid="not-found"], main [data-testid="not-allowed"]').count(), 0, `${target} is open to ${username}`);
      await audit(target);
      await photograph(page, username, target);
    }

    // A page outside the role's navigation, opened by its address (a shared link), says so and calls nothing.
    const foreign = ALL_PAGES.filter((p) => !targets.includes(p) && !others.includes(p));
    for (const target of foreign) {
      where = `${target} (not in the navigation)`;
      await page.evaluate(`location.hash = ${JSON.stringify(target)}`);
      await page.getByTestId('not-allowed').waitFor();
      await waitUntil(`${target} to settle`, async () => inflight === 0, 15_000);
    }
    // The page that says so is the same everywhere: checked once per role, in the role's own door.
    if (foreign.length > 0) await audit(`${door} door: ${foreign.at(-1)} (not allowed)`);
    assert.ok(foreign.length > 0, `${username} does not see every page`);
    where = `${door} (back from a page not for the role)`;
    await page.getByTestId('back-to-door').click();
    await waitUntil(`back to ${door}`, async () => hashPath(page) === door, 5_000);
    await settled(page, () => inflight, where);

    const problems = [
      ...(landed === door ? [] : [`landed on ${landed}, not ${door}`]),
      ...(targets.includes(door) ? [] : [`the door ${door} is not in the navigation`]),
      ...bad,
      ...consoleErrors,
      ...blocking,
    ];
    assert.deepEqual(problems, [], `${username} (navigation: ${nav})`);
    await ctx.close();
  });
}
