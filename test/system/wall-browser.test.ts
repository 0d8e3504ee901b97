// In Chromium at 1920×1080: the control-room wall shows the demo network on the map (every site a marker,
// every link drawn), each module's figures filled in, without a 4xx/5xx answer, a console error or a scrollbar.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Link, Region, Site } from '@shuzhi/schema';
import { startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { launchBrowser } from '../support/browser.ts';
import { ensureWebBuilt } from '../support/web.ts';

let t: TestPlatform;
let browser: Browser;

before(async () => {
  ensureWebBuilt();
  t = await startPlatform();
  // Every module's demo data, as `npm start` seeds it (gov cases, mine faces, data products, render farm).
  for (const m of t.p.modules) await m.seedDemo?.();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

/** Signs in through the login form and records every failed API answer and console error from then on. */
async function signIn(page: Page, username: string): Promise<{ bad: string[]; errors: string[] }> {
  const bad: string[] = [];
  const errors: string[] = [];
  await page.goto(t.url);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(`${username}-demo`);
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/') && r.status() >= 400) bad.push(`${r.request().method()} ${path} → ${r.status()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').waitFor();
  return { bad, errors };
}

async function api<T>(page: Page, path: string): Promise<T> {
  const r = await page.request.get(`${t.url}${path}`);
  assert.equal(r.status(), 200, path);
  return (await r.json()) as T;
}

/** What the map must draw: every site, and each link whose two regions are known. */
async function expected(page: Page) {
  const sites = (await api<{ items: Site[] }>(page, '/api/sites')).items;
  const regions = new Set((await api<{ items: Region[] }>(page, '/api/regions')).items.map((r) => r.id));
  const links = (await api<{ items: Link[] }>(page, '/api/links')).items.filter((l) => regions.has(l.from) && regions.has(l.to));
  return { sites: sites.length, links: links.length };
}

async function drawn(page: Page) {
  const map = page.getByTestId('network-map');
  await waitUntil('the map to draw', async () => (await map.getAttribute('data-map-sites')) !== null, 30_000);
  const box = await map.locator('canvas').first().boundingBox();
  return {
    sites: Number(await map.getAttribute('data-map-sites')),
    links: Number(await map.getAttribute('data-map-links')),
    view: await map.getAttribute('data-map-view'),
    canvas: box ? box.width * box.height : 0,
  };
}

test('in Chromium at 1920×1080: the wall shows every site and link of the demo network on the map, every module\'s figures, no errors and no scrollbars', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await ctx.newPage();
  const { bad, errors } = await signIn(page, 'viewer');
  assert.ok(await page.getByTestId('nav-wall-wall').count(), 'the wall is in the viewer\'s navigation');
  await page.getByTestId('nav-wall-wall').click();
  await page.getByTestId('wall').waitFor();

  const want = await expected(page);
  assert.ok(want.sites > 0 && want.links > 0, 'the demo network has sites and links');
  const got = await drawn(page);
  assert.equal(got.sites, want.sites, 'every site is a marker on the map');
  assert.equal(got.links, want.links, 'every link between known regions is drawn');
  assert.equal(got.view, 'regional');
  assert.ok(got.canvas > 600 * 300, `the map has room (${got.canvas} px²)`);
  // The map's text alternative names the same sites.
  assert.equal(await page.locator('[data-testid="network-map"] figcaption li').count(), want.sites + want.links);

  // Each section fills its figures; a figure may be "—" only where the data says "none yet" (no plan).
  for (const section of ['compute', 'gov', 'render', 'mine', 'data']) {
    const tiles = page.getByTestId(`wall-${section}`).locator('[data-testid^="tile-"]');
    await waitUntil(`the ${section} figures`, async () => (await tiles.count()) > 0, 20_000);
  }
  const values = await page.locator('.wall .tile-value').evaluateAll((els) => els.map((e) => [e.closest('[data-testid]')?.getAttribute('data-testid'), e.textContent?.trim() ?? '']));
  assert.ok(values.length >= 15, `figures on the wall: ${values.length}`);
  // "—" only where the API has nothing to show yet: no plan in force, no closed case with a measured time.
  const plan = await api<{ entries: unknown[] } | null>(page, '/api/planner/plan');
  const gov = await api<{ items: { closedCases: number; workingDays: { after: number | null } }[]; totals: { taskSlaCompliance: number | null } }>(page, '/api/gov/metrics');
  const none = new Set([
    ...(plan === null ? ['tile-carbon-saved'] : []),
    ...(gov.items.some((i) => i.closedCases > 0 && i.workingDays.after !== null) ? [] : ['tile-gov-avg-days']),
    ...(gov.totals.taskSlaCompliance === null ? ['tile-gov-sla'] : []),
  ]);
  for (const [id, v] of values) assert.ok(v !== '' && (v !== '—' || none.has(id!)), `${id} shows a figure (${v})`);
  // The wall counts the cases the dashboard counts (a living demo adds cases: the tile catches up within its poll).
  await waitUntil('the wall\'s case count to match the dashboard\'s', async () => {
    const shown = Number((await page.getByTestId('tile-gov-cases').locator('.tile-value').textContent())!.replace(/[^\d]/g, ''));
    return shown === (await api<{ totals: { cases: number } }>(page, '/api/gov/metrics')).totals.cases;
  }, 25_000);
  // Cases today: the dashboard's count for the current day, labelled as demo data while the demo's cases are in it.
  await waitUntil('the wall\'s cases today to match the dashboard\'s', async () => {
    const tile = page.getByTestId('tile-gov-today');
    const shown = Number((await tile.locator('.tile-value').textContent())!.replace(/[^\d]/g, ''));
    const m = await api<{ today: { cases: number }; totals: { demoCases: number } }>(page, '/api/gov/metrics');
    const sub = (await tile.locator('.tile-sub').textContent()) ?? '';
    return shown === m.today.cases && sub.startsWith('演示数据') === m.totals.demoCases > 0;
  }, 25_000);
  assert.match((await page.getByTestId('wall-clock').textContent()) ?? '', /\d{2}:\d{2}:\d{2}/);
  await page.getByTestId('wall-demo').waitFor();

  // Nothing scrolls and nothing is cut off: the page and the wall's area hold all their content.
  const fit = await page.evaluate(`(() => {
    const d = document.documentElement, m = document.querySelector('.wall-main');
    return { docW: d.scrollWidth - d.clientWidth, docH: d.scrollHeight - d.clientHeight, mainH: m.scrollHeight - m.clientHeight, mainW: m.scrollWidth - m.clientWidth };
  })()`);
  assert.deepEqual(fit, { docW: 0, docH: 0, mainW: 0, mainH: 0 });

  assert.deepEqual(bad, [], 'no API call answered 4xx/5xx');
  assert.deepEqual(errors, [], 'no console errors');
  await ctx.close();
});

test('in Chromium: the network map page draws the same network in the regional view and, on request, the national view', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  const { bad, errors } = await signIn(page, 'operator');
  await page.getByTestId('nav-compute-map').click();
  const want = await expected(page);
  const regional = await drawn(page);
  assert.deepEqual([regional.sites, regional.links, regional.view], [want.sites, want.links, 'regional']);
  await page.getByRole('button', { name: '全国（含南海诸岛）' }).click();
  await waitUntil('the national view', async () => (await page.getByTestId('network-map').getAttribute('data-map-view')) === 'national');
  const national = await drawn(page);
  assert.deepEqual([national.sites, national.links], [want.sites, want.links]);
  assert.deepEqual(bad, []);
  assert.deepEqual(errors, []);
  await ctx.close();
});
