import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, LaunchOptions, Page } from 'playwright-core';

/** Debian's `chromium` package; playwright-core never downloads a browser of its own here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * This machine has no outside network: without the background-networking flags Chromium keeps trying
 * Google's hosts and floods the log with refused connections. --no-sandbox because CI runs as root.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

export class ChromiumNotInstalledError extends Error {
  readonly code = 'CHROMIUM_NOT_INSTALLED';
  constructor(readonly executablePath: string) {
    super(`Chromium is not installed (no ${executablePath}). Run .ci/run or apt-get install chromium.`);
    this.name = 'ChromiumNotInstalledError';
  }
}

/** Headless Debian Chromium driven by Playwright; the caller closes it. */
export async function launchBrowser(options: Omit<LaunchOptions, 'executablePath'> = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new ChromiumNotInstalledError(CHROMIUM_PATH);
  return chromium.launch({
    ...options,
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/** Every 4xx/5xx answer and console error on `page` from now on (the array fills as they come; empty it to clear). */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.request().method()} ${new URL(r.url()).pathname} → ${r.status()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}
