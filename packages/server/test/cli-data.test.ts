// `shuzhi data …` driven as a user runs it: the real CLI process against a started platform. A provider
// registers a product with its CSV, a consumer asks for a contract, verifies it, queries at the data's
// site and reads the released table; refusals print the problem's code and exit non-zero.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { METER_COUNTIES, meterCsv, meterProduct } from './data-helpers.ts';
import { startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/shuzhi.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shuzhi-cli-data-'));

let t: TestPlatform;
const tokens: Record<string, string> = {};

before(async () => {
  t = await startPlatform();
  for (const u of ['tenant', 'tenant2', 'operator']) tokens[u] = (await t.p.auth.createToken((await t.p.auth.userIdByName(u))!, 'cli-data test')).token;
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `shuzhi data …` as `user` (the provider is tenant2, the consumer tenant). */
const shuzhi = (user: string, args: string[]) =>
  run(process.execPath, [bin, 'data', ...args], { env: { ...process.env, SHUZHI_SERVER: t.url, SHUZHI_TOKEN: tokens[user]! } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

function files(name: string, product: Record<string, unknown>, csv: string) {
  const json = join(dir, `${name}.json`);
  const data = join(dir, `${name}.csv`);
  writeFileSync(json, JSON.stringify(product));
  writeFileSync(data, csv);
  return { json, data };
}

test('register, list, request, verify, query with --wait, uses, revoke', async () => {
  const f = files('meters', meterProduct({ title: { zh: 'CLI 电表', en: 'CLI meters' } }), meterCsv(60));
  const reg = await shuzhi('tenant2', ['register', f.json, '--csv', f.data]);
  assert.equal(reg.code, 0, reg.stderr);
  const productId = /registered (\S+) \(listed, 60 rows at urumqi\)/.exec(reg.stdout)?.[1];
  assert.ok(productId, reg.stdout);

  const list = await shuzhi('tenant', ['products', '--domain', 'green', '--q', 'CLI']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${productId}\\s+绿色低碳 Green and low-carbon\\s+CLI 电表（合成 synthetic）\\s+urumqi\\s+60\\s+¥3.00\\s+k ≥ 3`));
  const json = JSON.parse((await shuzhi('tenant', ['products', '--json', '--q', 'CLI'])).stdout);
  assert.deepEqual(json.items.map((p: { id: string }) => p.id), [productId]);

  const one = await shuzhi('tenant', ['product', productId]);
  assert.match(one.stdout, /meter_id\s+string\s+identifier/);
  assert.match(one.stdout, /computed in xinjiang/);

  const req = await shuzhi('tenant', ['request', productId, '--purpose', 'planning', '--action', 'aggregate', '--note', 'load planning']);
  assert.equal(req.code, 0, req.stderr);
  const contractId = /^(\S+) agreed/.exec(req.stdout)?.[1];
  assert.ok(contractId, req.stdout);

  const verify = await shuzhi('tenant', ['verify', contractId]);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, new RegExp(`${contractId}: valid \\(Ed25519 key \\S+\\)`));

  const q = await shuzhi('tenant', ['query', contractId, '--count', '--avg', 'kwh', '--group-by', 'county', '--wait']);
  assert.equal(q.code, 0, q.stderr);
  for (const county of METER_COUNTIES) assert.match(q.stdout, new RegExp(`${county}\\s+20\\s+\\d`));
  assert.match(q.stdout, /released under k=3: 3 group\(s\), the smallest of 20 records; 60 rows scanned at urumqi/);

  const filtered = await shuzhi('tenant', ['query', contractId, '--sum', 'kwh', '--where', `county in ${METER_COUNTIES[0]},${METER_COUNTIES[1]}`, '--where', `county!=${METER_COUNTIES[1]}`, '--wait', '--json']);
  assert.equal(filtered.code, 0, filtered.stderr);
  const use = JSON.parse(filtered.stdout).use;
  assert.equal(use.state, 'released');
  const expected = meterCsv(60).trim().split('\n').slice(1).map((l) => l.split(',')).filter((c) => c[1] === METER_COUNTIES[0]).reduce((a, c) => a + Number(c[2]), 0);
  assert.equal(use.result.groups[0].values.sum_kwh, expected);

  const uses = await shuzhi('tenant2', ['uses', '--contract', contractId]);
  assert.equal(uses.code, 0, uses.stderr);
  assert.equal((uses.stdout.match(/ released /g) ?? []).length, 2, uses.stdout);
  const contracts = await shuzhi('tenant2', ['contracts', '--as', 'provider']);
  assert.match(contracts.stdout, new RegExp(`${contractId}\\s+agreed\\s+CLI 电表\\s+tianshan-ai\\s+karamay-studio\\s+planning\\s+2`));

  // Billing posted both released uses' fees from the data module's events: 300 fen each, less 3 %.
  const statement = async (user: string) => {
    const res = await fetch(`${t.url}/api/billing/statements`, { headers: { authorization: `Bearer ${tokens[user]}` } });
    return ((await res.json()) as { items: { dataFeesFen: number; dataIncomeFen: number }[] }).items[0]!;
  };
  await waitUntil('the provider to be paid for both uses', async () => (await statement('tenant2')).dataIncomeFen === 2 * (300 - 9));
  assert.equal((await statement('tenant')).dataFeesFen, 2 * 300);

  const revoke = await shuzhi('tenant2', ['revoke', contractId, '--reason', 'the licence ended']);
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.match(revoke.stdout, new RegExp(`${contractId} revoked`));
  const after = await shuzhi('tenant', ['query', contractId, '--count', '--wait']);
  assert.notEqual(after.code, 0);
  assert.match(after.stderr, /CONTRACT_\w+/);
});

test('a query that would single out records is refused with its code, and usage errors exit 2', async () => {
  const f = files('single', meterProduct({ title: { zh: 'CLI 单户', en: 'CLI single' } }), meterCsv(30));
  const productId = /registered (\S+)/.exec((await shuzhi('tenant2', ['register', f.json, '--csv', f.data])).stdout)![1]!;
  const contractId = /^(\S+) agreed/.exec((await shuzhi('tenant', ['request', productId, '--purpose', 'research'])).stdout)![1]!;

  const byMeter = await shuzhi('tenant', ['query', contractId, '--count', '--group-by', 'meter_id', '--wait']);
  assert.equal(byMeter.code, 1);
  assert.match(byMeter.stderr, /COLUMN_NOT_ALLOWED/);
  const noMeasure = await shuzhi('tenant', ['query', contractId, '--group-by', 'county']);
  assert.equal(noMeasure.code, 2);
  assert.match(noMeasure.stderr, /--count, --sum COL or --avg COL/);
  const badWhere = await shuzhi('tenant', ['query', contractId, '--count', '--where', 'county~x']);
  assert.equal(badWhere.code, 2);
  const badPurpose = await shuzhi('tenant', ['request', productId, '--purpose', 'fun']);
  assert.equal(badPurpose.code, 2);
  assert.match(badPurpose.stderr, /--purpose is one of research/);
  const help = await shuzhi('tenant', ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /shuzhi data query CONTRACT/);
});

test('a provider decides requests its policy leaves to it; another tenant cannot decide them', async () => {
  const f = files('approval', meterProduct({ title: { zh: 'CLI 审批', en: 'CLI approval' }, policy: { approval: 'provider' } }), meterCsv(30));
  const productId = /registered (\S+)/.exec((await shuzhi('tenant2', ['register', f.json, '--csv', f.data])).stdout)![1]!;
  const req = await shuzhi('tenant', ['request', productId, '--purpose', 'planning']);
  const contractId = /^(\S+) requested/.exec(req.stdout)?.[1];
  assert.ok(contractId, req.stdout);
  const byConsumer = await shuzhi('tenant', ['decide', contractId, 'agree']);
  assert.equal(byConsumer.code, 1);
  assert.match(byConsumer.stderr, /\((403|404)\)/);
  const agreed = await shuzhi('tenant2', ['decide', contractId, 'agree']);
  assert.equal(agreed.code, 0, agreed.stderr);
  assert.match(agreed.stdout, new RegExp(`${contractId} agreed`));
  const bad = await shuzhi('tenant2', ['decide', contractId, 'maybe']);
  assert.equal(bad.code, 2);
});
