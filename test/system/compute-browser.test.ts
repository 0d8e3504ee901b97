import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { newWorker, smallSite, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import type { Worker } from '@shuzhi/agent';
import { launchBrowser } from '../support/browser.ts';
import { ensureWebBuilt } from '../support/web.ts';

let t: TestPlatform;
let browser: Browser;
let agent: Worker;

before(async () => {
  ensureWebBuilt();
  t = await startPlatform({ leaseMs: 3000 });
  await t.p.compute.network.createSite(smallSite('browser-site'), 'test');
  agent = await newWorker(t, 'browser-site', 'browser-agent', { slots: 2 });
  agent.start();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await agent?.stop();
  await t?.close();
});

test('in Chromium: log in, submit a job, watch it reach succeeded, switch the language', async () => {
  const page = await browser.newPage();
  await page.goto(t.url);
  await page.getByTestId('login-username').fill('tenant');
  await page.getByTestId('login-password').fill('tenant-demo');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').waitFor();

  await page.getByTestId('nav-compute-submit').click();
  await page.getByTestId('submit-name').fill('browser test job');
  await page.getByTestId('submit-type').selectOption('cpu');
  await page.getByTestId('submit-units').fill('2');
  await page.getByTestId('submit-hours').fill('1');
  await page.getByTestId('submit-command').fill('echo "hello from the browser test"; sleep 1');
  // Bad input first: the form says which field, and nothing is sent.
  await page.getByTestId('submit-units').fill('0');
  await page.getByTestId('submit-button').click();
  await page.getByTestId('error-units').waitFor();
  await page.getByTestId('submit-units').fill('2');
  await page.getByTestId('submit-button').click();

  const status = page.getByTestId('job-status');
  await status.waitFor({ timeout: 15_000 });
  await waitUntil('the job to succeed on the page', async () => (await status.getAttribute('data-status')) === 'succeeded', 30_000);
  assert.equal(await status.getAttribute('data-status'), 'succeeded');
  await page.getByTestId('job-logs').getByText('hello from the browser test').waitFor({ timeout: 10_000 });

  // zh-CN is the default; the switch turns the whole page to English and back.
  const sw = page.getByTestId('lang-switch');
  assert.equal(await sw.getAttribute('data-lang'), 'zh-CN');
  const zhNav = await page.getByTestId('nav-compute-jobs').innerText();
  await sw.click();
  await waitUntil('English', async () => (await sw.getAttribute('data-lang')) === 'en');
  const enNav = await page.getByTestId('nav-compute-jobs').innerText();
  assert.notEqual(zhNav, enNav);
  assert.match(enNav, /[A-Za-z]/);
  assert.equal(await page.getByTestId('job-status').getAttribute('data-status'), 'succeeded');
  await page.close();
});
