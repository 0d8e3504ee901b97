import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { client, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { launchBrowser } from '../support/browser.ts';
import { ensureWebBuilt } from '../support/web.ts';

let t: TestPlatform;
let browser: Browser;

before(async () => {
  ensureWebBuilt();
  t = await startPlatform();
  await t.p.modules.find((m) => m.name === 'data')!.seedDemo!();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

async function signedIn(username: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const [name, value] = (await login(t.url, username)).split('=');
  await ctx.addCookies([{ name: name!, value: value!, url: t.url }]);
  return ctx;
}

async function open(page: Page, path: string): Promise<void> {
  // The same hash twice is no navigation: reload so the page shows what the other party just did.
  if (page.url() === `${t.url}/#${path}`) await page.reload();
  else await page.goto(`${t.url}/#${path}`);
}

/** A small synthetic field set: two counties of four plots each, so groups by county pass k = 3. */
const CSV = ['county,crop,plot_id,yield_t', 'Hami,cotton,P1,5.5', 'Hami,cotton,P2,6.5', 'Hami,wheat,P3,4', 'Hami,cotton,P4,6', 'Turpan,cotton,P5,7', 'Turpan,cotton,P6,7.5', 'Turpan,wheat,P7,3', 'Turpan,cotton,P8,8'].join('\n');
const TITLE = '棉田测产（浏览器测试）';

test('in Chromium: a provider registers a product, a consumer finds and requests it, the provider agrees, the query runs at the data’s site, the provider sees the use and the income', async () => {
  // 1. The provider registers a product at a Xinjiang site, with its policy, then uploads the CSV.
  const providerCtx = await signedIn('provider');
  const prov = await providerCtx.newPage();
  await open(prov, '/data/provider');
  await prov.getByTestId('data-register').waitFor();
  await prov.getByTestId('data-register-titleZh').fill(TITLE);
  await prov.getByTestId('data-register-titleEn').fill('Cotton plot yields (browser test)');
  await prov.getByTestId('data-register-descriptionZh').fill('合成的棉田地块产量，按县统计。');
  await prov.getByTestId('data-register-descriptionEn').fill('Synthetic cotton plot yields, by county.');
  await prov.getByTestId('data-register-domain').selectOption('agriculture');
  await prov.getByTestId('data-register-site').selectOption('hami');
  await prov.getByTestId('data-col-name-0').fill('county');
  await prov.getByTestId('data-col-categories-0').fill('Hami,Turpan');
  for (const [i, name, type, role] of [
    [1, 'crop', 'string', 'dimension'],
    [2, 'plot_id', 'string', 'identifier'],
    [3, 'yield_t', 'number', 'measure'],
  ] as const) {
    await prov.getByTestId('data-col-add').click();
    await prov.getByTestId(`data-col-name-${i}`).fill(name);
    await prov.getByTestId(`data-col-type-${i}`).selectOption(type);
    await prov.getByTestId(`data-col-role-${i}`).selectOption(role);
  }
  await prov.getByTestId('data-col-bounds-3').fill('0,20');
  await prov.getByTestId('data-register-k').fill('3');
  await prov.getByTestId('data-register-approval').selectOption('provider');
  await prov.getByTestId('data-register-feeYuan').fill('12.50');
  await prov.getByTestId('data-register-licence').fill('CC BY 4.0');
  await prov.getByTestId('data-register-source').fill('generated for the browser test');
  await prov.getByTestId('data-register-synthetic').check();
  // No compute region yet: the form names the field and sends nothing.
  await prov.getByTestId('data-register-submit').click();
  await prov.getByTestId('data-register-error-policy.computeRegions').waitFor();
  await prov.getByTestId('data-register-region-xinjiang').check();
  await prov.getByTestId('data-register-submit').click();
  const api = client(t.url, { cookie: await login(t.url, 'provider') });
  let productId = '';
  await waitUntil('the product registered', async () => {
    const mine = (await api.req('GET', '/api/data/products?q=' + encodeURIComponent(TITLE))).body.items as { id: string }[];
    productId = mine[0]?.id ?? '';
    return productId !== '';
  }, 10_000);
  const row = prov.getByTestId(`data-my-product-${productId}`);
  await row.waitFor();
  await prov.getByTestId(`data-upload-${productId}`).setInputFiles({ name: 'plots.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await waitUntil('the dataset stored at its site', async () => (await row.getByTestId('data-product-rows').innerText()).trim() === '8', 15_000);

  // 2. The consumer finds it in the catalogue (domain chip, free text), marked synthetic, and asks to use it for planning.
  const consumerCtx = await signedIn('tenant');
  const cons = await consumerCtx.newPage();
  await open(cons, '/data');
  await cons.getByTestId('data-catalogue').waitFor();
  await cons.getByTestId('data-chip-agriculture').click();
  await cons.getByTestId('data-search').fill('棉田测产');
  const card = cons.getByTestId(`data-product-${productId}`);
  await card.waitFor();
  assert.ok(await card.getByTestId('data-synthetic').isVisible());
  await card.getByRole('link').click();
  await cons.getByTestId('data-product').waitFor();
  assert.match(await cons.getByTestId('data-policy').innerText(), /每组至少 3 条记录/);
  await cons.getByTestId('data-preview-note').waitFor();
  await cons.getByTestId('data-request-purpose').selectOption('planning');
  await cons.getByTestId('data-request-note').fill('县级产量规划');
  await cons.getByTestId('data-request-submit').click();
  const answer = cons.getByTestId('data-request-answer');
  await answer.waitFor();
  assert.equal(await answer.getByTestId('data-contract-state').getAttribute('data-state'), 'requested');
  const contractHref = (await cons.getByTestId('data-request-contract').getAttribute('href'))!;
  const contractId = decodeURIComponent(contractHref.split('/').pop()!);

  // 3. The provider agrees from its desk; the contract is signed and the signature verifies.
  await open(prov, '/data/provider');
  await prov.getByTestId('data-requests').getByRole('link', { name: contractId }).click();
  await prov.getByTestId('data-agree').click();
  await waitUntil('agreed', async () => (await prov.getByTestId('data-contract-state').getAttribute('data-state')) === 'agreed', 10_000);
  await prov.getByTestId('data-verify').click();
  await waitUntil('signature valid', async () => (await prov.getByTestId('data-verdict').getAttribute('data-result')) === 'valid', 10_000);

  // 4. The consumer queries: average yield by county; it runs at the data's site and the released table shows.
  await open(cons, `/data/contracts/${contractId}`);
  await cons.getByTestId('data-query').waitFor();
  await cons.getByTestId('data-query-add-measure').click();
  await cons.getByTestId('data-query-fn-1').selectOption('avg');
  await cons.getByTestId('data-query-column-1').selectOption('yield_t');
  await cons.getByTestId('data-query-group-county').check();
  await cons.getByTestId('data-query-submit').click();
  const use = cons.getByTestId('data-use');
  await use.waitFor();
  await waitUntil('the use released', async () => (await use.getAttribute('data-state')) === 'released', 60_000);
  assert.equal(await use.getByTestId('data-use-site').innerText(), 'hami');
  assert.equal(await use.locator('[data-testid="data-result"] tbody tr').count(), 2);
  assert.match(await use.getByTestId('data-release').innerText(), /k = 3/);
  const useId = (await use.getAttribute('data-use-id'))!;

  // A finer grouping singles out Hami's one wheat plot: refused with its reason, nothing released.
  await cons.getByTestId('data-query-group-crop').check();
  await cons.getByTestId('data-query-submit').click();
  await waitUntil('a second use shown', async () => (await use.getAttribute('data-use-id')) !== useId, 10_000);
  await waitUntil('the second use refused', async () => (await use.getAttribute('data-state')) === 'refused', 60_000);
  assert.ok((await use.getByTestId('data-use-refusal').innerText()).length > 10);
  assert.equal(await use.locator('[data-testid="data-result"]').count(), 0);

  // 5. The provider sees the use (at hami, released) and the fee as income.
  await open(prov, '/data/provider');
  const useRow = prov.getByTestId(`data-use-row-${useId}`);
  await useRow.waitFor({ timeout: 10_000 });
  assert.equal(await useRow.getAttribute('data-state'), 'released');
  assert.equal(await useRow.getByTestId('data-use-site-cell').innerText(), 'hami');
  const income = prov.getByTestId(`data-income-${productId}`);
  await income.waitFor({ timeout: 10_000 });
  assert.equal((await income.getByTestId('data-income-fee').innerText()).trim(), '¥12.50');

  await consumerCtx.close();
  await providerCtx.close();
});
