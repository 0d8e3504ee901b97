// In Chromium, against the platform as `npm start` runs it (the real CLI, the demo on): once the demo has
// produced government cases, compute jobs and render work, every door's landing page shows that live data
// (a non-zero figure or a non-empty list where the demo makes one), with no 4xx/5xx answer and no console
// error. One browser, one page per door; the demo is kept small (one worker per agent site, one render node).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { client, login, waitUntil } from '../../packages/server/test/helpers.ts';
import { killServe, startServe, type ServeProcess } from '../../packages/server/test/serve-process.ts';
import { launchBrowser, watchProblems } from '../support/browser.ts';
import { ensureWebBuilt } from '../support/web.ts';

interface DoorCheck {
  door: string;
  user: string;
  path: string;
  viewport: { width: number; height: number };
  /** What must show: elements matching `list` (at least one), or the figure tile `tile` with a non-zero value. */
  live: { list: string } | { tile: string };
}

/** Each role's landing page (web/src/nav.ts DOORS), the kiosk, the wall and the render farm. */
const DOORS: readonly DoorCheck[] = [
  { door: 'citizen app', user: 'citizen', path: '/gov/app', viewport: { width: 390, height: 844 }, live: { list: '[data-testid^="gov-apply-"]' } },
  { door: 'kiosk', user: 'citizen', path: '/gov/kiosk', viewport: { width: 1080, height: 1920 }, live: { list: '[data-testid^="kiosk-apply-"]' } },
  { door: 'officer workbench', user: 'officer', path: '/gov/work', viewport: { width: 1280, height: 900 }, live: { list: '[data-testid^="gov-queue-app_"]' } },
  { door: 'supervisor dashboard', user: 'supervisor', path: '/gov/dashboard', viewport: { width: 1280, height: 900 }, live: { tile: 'gov-cases' } },
  { door: 'window', user: 'window', path: '/gov/window', viewport: { width: 1280, height: 900 }, live: { list: '[data-testid="gov-window-item"] option' } },
  { door: 'operations console', user: 'operator', path: '/compute/overview', viewport: { width: 1280, height: 900 }, live: { tile: 'agents' } },
  { door: 'tenant jobs', user: 'tenant', path: '/compute/jobs', viewport: { width: 1280, height: 900 }, live: { list: '[data-testid^="job-row-"]' } },
  { door: 'render farm', user: 'operator', path: '/render', viewport: { width: 1280, height: 900 }, live: { list: '[data-testid="render-jobs-table"] tbody tr' } },
  { door: 'mine control', user: 'mine-operator', path: '/mine', viewport: { width: 1280, height: 900 }, live: { list: '[data-testid^="mine-face-card-"]' } },
  { door: 'programme', user: 'programme', path: '/billing/programme', viewport: { width: 1280, height: 900 }, live: { list: '[data-testid="billing-by-site"] tbody tr' } },
  { door: 'control-room wall', user: 'viewer', path: '/wall', viewport: { width: 1920, height: 1080 }, live: { tile: 'gov-cases' } },
];

let serve: ServeProcess;
let url: string;
let browser: Browser;
const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-doors-live-'));

before(async () => {
  ensureWebBuilt();
  serve = startServe({ SHUZHI_DATA_DIR: dataDir, SHUZHI_DEMO: '1', SHUZHI_DEMO_AGENTS: '1', SHUZHI_RENDER_DEMO_NODES: '1', LOG_LEVEL: 'warn' });
  url = await serve.ready;
});
after(async () => {
  await browser?.close();
  if (serve) await killServe(serve);
  for (const m of serve?.stdout().matchAll(/\((\/tmp\/shuzhi-slurm-[\w-]+)\/slurm\.conf\)/g) ?? []) rmSync(m[1]!, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** A non-zero digit in a tile's shown value ("0", "0.0" and "—" are not live data). */
const tileIsLive = (page: Page, id: string) =>
  page.locator(`[data-testid="tile-${id}"] .tile-value`).first().getAttribute('data-value').then((v) => /[1-9]/.test(v ?? ''));

test('after `npm start` with the demo on, every door shows live data, no 4xx/5xx and no console error', { timeout: 600_000 }, async () => {
  const started = Date.now();
  // The demo's work, as the API reports it: gov cases, compute jobs that ran, render jobs.
  const op = client(url, { cookie: await login(url, 'operator') });
  const sup = client(url, { cookie: await login(url, 'supervisor') });
  await waitUntil('the demo to produce gov cases, compute and render work', async () => {
    await new Promise((r) => setTimeout(r, 2000)); // a look every 2 s leaves the CPU to the demo
    const cases = (await sup.req('GET', '/api/gov/metrics')).body as { totals?: { demoCases: number } };
    const jobs = (await op.req('GET', '/api/overview')).body as { jobsRunning?: number; jobsSucceededToday?: number };
    const render = (await op.req('GET', '/api/render/jobs')).body as { items?: unknown[] } | unknown[];
    const renderJobs = Array.isArray(render) ? render.length : (render.items?.length ?? 0);
    return (cases.totals?.demoCases ?? 0) > 0 && (jobs.jobsRunning ?? 0) + (jobs.jobsSucceededToday ?? 0) > 0 && renderJobs > 0;
  }, 240_000);
  const demoMs = Date.now() - started;

  browser = await launchBrowser();
  const failures: string[] = [];
  for (const d of DOORS) {
    const ctx = await browser.newContext({ viewport: d.viewport });
    try {
      const signIn = await ctx.request.post(`${url}/api/auth/login`, { data: { username: d.user, password: `${d.user}-demo` }, headers: { origin: url } });
      assert.equal(signIn.status(), 200, `${d.user} signs in`);
      const page = await ctx.newPage();
      const problems = watchProblems(page);
      await page.goto(`${url}/#${d.path}`);
      try {
        // Attached, not visible: a select's options count as the window's list of items.
        if ('list' in d.live) await page.locator(d.live.list).first().waitFor({ state: 'attached', timeout: 60_000 });
        else {
          const tile = d.live.tile;
          await waitUntil(`${d.door}: tile ${tile} non-zero`, () => tileIsLive(page, tile).catch(() => false), 60_000);
        }
      } catch (e) {
        failures.push(`${d.door} (${d.path} as ${d.user}): no live data — ${(e as Error).message.split('\n')[0]}`);
      }
      // Whatever the page asks for once it has drawn (polls, charts' data) counts too.
      await page.waitForTimeout(1500);
      failures.push(...problems.map((p) => `${d.door} (${d.path} as ${d.user}): ${p}`));
    } finally {
      await ctx.close();
    }
  }
  console.log(`demo work after ${Math.round(demoMs / 1000)} s; ${DOORS.length} doors walked in ${Math.round((Date.now() - started - demoMs) / 1000)} s`);
  assert.deepEqual(failures, []);
});
