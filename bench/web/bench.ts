// `npm run bench -- web`: each front door loaded in Chromium over DevTools' "Slow 3G" with a 4× CPU
// slowdown and a cold cache — transfer size, first contentful paint, time to interactive.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { loadConfig, Platform, seedDemo } from '@shuzhi/server';
import { launchBrowser } from '../../test/support/browser.ts';
import { ensureWebBuilt } from '../../test/support/web.ts';
import { benchArgs } from '../args.ts';
import { CPU_SLOWDOWN, formatTable, formatTimeline, interactiveAt, QUIET_MS, SLOW_3G, summarise, type DoorResult, type DoorRun, type RequestSpan } from './measure.ts';

const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), '../results');
/** Give up on a door after this long: far beyond any target, it means the door is broken, not slow. */
const TIMEOUT_MS = 180_000;
const TARGET_MS = 5_000;

export interface DoorSpec {
  door: string;
  path: string;
  user: string;
  /** The door's main control: what a person came to use is on screen. */
  ready: string;
  viewport: { width: number; height: number };
}

/**
 * The doors measured, by path so the bench works before and after each door gets its own layout. The
 * kiosk's control is either door's item buttons (doors/kiosk or the gov module's older kiosk page).
 */
export const DOORS: readonly DoorSpec[] = [
  { door: 'citizen', path: '/gov/app', user: 'citizen', ready: '[data-testid^="gov-apply-"]', viewport: { width: 390, height: 844 } },
  { door: 'kiosk', path: '/gov/kiosk', user: 'citizen', ready: '[data-testid^="kiosk-apply-"], .gov-kiosk-btn', viewport: { width: 1080, height: 1920 } },
  { door: 'wall', path: '/wall', user: 'viewer', ready: '[data-testid="network-map"][data-map-sites]', viewport: { width: 1920, height: 1080 } },
  { door: 'console', path: '/compute/overview', user: 'operator', ready: '[data-testid="tile-pflops-online"]', viewport: { width: 1280, height: 900 } },
];

interface Net {
  latencyMs: number;
  downBytesPerSec: number;
  upBytesPerSec: number;
  cpu: number;
}

/** One cold load of a door by a signed-in person: a new browser context (empty cache), the session cookie set beforehand. */
async function loadOnce(browser: Browser, url: string, d: DoorSpec, net: Net): Promise<DoorRun> {
  const ctx = await browser.newContext({ viewport: d.viewport });
  try {
    // Signing in is not part of opening the app: the cookie goes into the context, the cache stays empty.
    const login = await ctx.request.post(`${url}/api/auth/login`, { data: { username: d.user, password: `${d.user}-demo` }, headers: { origin: url } });
    if (!login.ok()) throw new Error(`sign-in as ${d.user} failed: ${login.status()}`);
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: net.latencyMs, downloadThroughput: net.downBytesPerSec, uploadThroughput: net.upBytesPerSec });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: net.cpu });

    const spans = new Map<string, RequestSpan & { url: string; bytes: number; stream: boolean }>();
    let lastActivity = Date.now();
    cdp.on('Network.requestWillBeSent', (e) => {
      const path = new URL(e.request.url).pathname;
      spans.set(e.requestId, { start: e.timestamp, end: null, url: e.request.url, bytes: 0, stream: path === '/api/events' });
      lastActivity = Date.now();
    });
    cdp.on('Network.dataReceived', (e) => {
      const s = spans.get(e.requestId);
      if (s) s.bytes += e.encodedDataLength;
    });
    cdp.on('Network.loadingFinished', (e) => {
      const s = spans.get(e.requestId);
      if (!s) return;
      s.end = e.timestamp;
      s.bytes = e.encodedDataLength; // the whole response as sent, headers included
      lastActivity = Date.now();
    });
    cdp.on('Network.loadingFailed', (e) => {
      const s = spans.get(e.requestId);
      if (s) s.end = e.timestamp;
      lastActivity = Date.now();
    });

    await page.goto(`${url}/#${d.path}`, { waitUntil: 'commit', timeout: TIMEOUT_MS });
    // Runs in the page (the page's CSP forbids evaluating strings there); this file is compiled without the DOM's types.
    const readyHandle = await page.waitForFunction(
      (sel: string) => ((globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(sel) ? performance.now() : false),
      d.ready,
      { polling: 'raf', timeout: TIMEOUT_MS },
    );
    const readyMs = (await readyHandle.jsonValue()) as number;
    const inFlight = () => [...spans.values()].some((s) => !s.stream && s.end === null);
    const until = Date.now() + TIMEOUT_MS;
    while (inFlight() || Date.now() - lastActivity < QUIET_MS + 100) {
      if (Date.now() > until) throw new Error('the network never went quiet');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Through CDP's evaluate, which the page's CSP does not govern.
    const fcpMs = (await page.evaluate(`new Promise((res) => {
      new PerformanceObserver((list) => {
        const fcp = list.getEntries().find((e) => e.name === 'first-contentful-paint');
        res(fcp ? fcp.startTime : null);
      }).observe({ type: 'paint', buffered: true });
      setTimeout(() => res(null), 1000);
    })`)) as number | null;
    // A door that polls (the wall) may have started its next round while the paint was read: wait for it to
    // end, then take the timeline with nothing in flight (an open request would leave interactive unknown).
    while (inFlight()) {
      if (Date.now() > until) throw new Error('a request never finished');
      await new Promise((r) => setTimeout(r, 100));
    }
    const all = [...spans.values()];
    const doc = all.reduce((a, b) => (b.start < a.start ? b : a));
    // The page's clock starts at navigation, CDP's is monotonic: the document request anchors one on the other.
    const readyAt = doc.start + readyMs / 1000;
    const tti = interactiveAt(readyAt, all.filter((s) => !s.stream));
    const since = (x: number) => (x - doc.start) * 1000;
    const timeline = all
      .sort((x, y) => x.start - y.start)
      .map((s) => ({ path: new URL(s.url).pathname, startMs: since(s.start), endMs: s.end === null ? null : since(s.end), bytes: s.bytes }));
    return {
      timeline,
      readyMs,
      transferBytes: all.reduce((n, s) => n + s.bytes, 0),
      requests: all.length,
      fcpMs,
      ttiMs: Number.isFinite(tti) ? readyMs + (tti - readyAt) * 1000 : null,
    };
  } finally {
    await ctx.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('web', args, {
    runs: { type: 'count', default: 5, help: 'cold loads per door (the table shows medians)' },
    latency: { type: 'count', default: SLOW_3G.latencyMs, help: "per-request latency in ms passed to CDP (DevTools' Slow 3G: 2000, i.e. 400 ms RTT × 5)" },
    cpu: { type: 'count', default: CPU_SLOWDOWN, help: 'CPU slowdown factor' },
    door: { type: 'choice', choices: ['all', ...DOORS.map((d) => d.door)], default: 'all', help: 'measure one door only (the console, the yardstick, takes longest)' },
  });
  if (!a) return;
  const net: Net = { latencyMs: a.latency, downBytesPerSec: SLOW_3G.downBytesPerSec, upBytesPerSec: SLOW_3G.upBytesPerSec, cpu: a.cpu };
  ensureWebBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-bench-web-'));
  // The platform as `npm start` seeds it (every module's demo data), without demo workers: nothing else competes for the CPU.
  const p = await Platform.open({ config: loadConfig({ SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }) });
  let browser: Browser | null = null;
  try {
    await seedDemo(p);
    for (const m of p.modules) await m.seedDemo?.();
    await p.start();
    const port = await p.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    browser = await launchBrowser();
    const results: DoorResult[] = [];
    for (const d of DOORS.filter((x) => a.door === 'all' || x.door === a.door)) {
      const r: DoorResult = { door: d.door, path: d.path, user: d.user, runs: [], failure: null };
      for (let i = 0; i < a.runs && !r.failure; i++) {
        try {
          const one = await loadOnce(browser, url, d, net);
          r.runs.push(one);
          process.stderr.write(`web: ${d.door} run ${i + 1}/${a.runs}: ${Math.round(one.transferBytes / 1024)} KB, FCP ${Math.round(one.fcpMs ?? NaN)} ms, TTI ${Math.round(one.ttiMs ?? NaN)} ms\n`);
        } catch (e) {
          r.failure = (e as Error).message.split('\n')[0]!;
          process.stderr.write(`web: ${d.door}: ${r.failure}\n`);
        }
      }
      results.push(r);
    }
    const command = `npm run bench -- web ${args.join(' ')}`.trim();
    const rows = summarise(results);
    console.log(formatTable(rows, { command, runs: a.runs, ...net, targetMs: TARGET_MS, citizenDoor: 'citizen' }));
    for (const r of results.filter((x) => x.failure)) console.log(`${r.door} (${r.path}): not interactive — ${r.failure}`);
    // Where the citizen app's time goes (its last run): each request costs the profile's latency on top of its bytes.
    const citizen = results.find((r) => r.door === 'citizen')?.runs.at(-1);
    if (citizen) console.log(`\ncitizen app, last run, requests from the document's start:\n${formatTimeline(citizen)}`);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'web.json'), `${JSON.stringify({ bench: 'web', command, network: net, quietMs: QUIET_MS, rows, results }, null, 2)}\n`);
    console.log(`written to ${join(RESULTS, 'web.json')}`);
  } finally {
    await browser?.close();
    await p.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
