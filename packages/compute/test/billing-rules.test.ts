import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  admit,
  BillingRuleError,
  issuanceRefusal,
  priceUsageFen,
  splitBill,
  voucherIneligibility,
  type Charge,
  type ProgrammeRules,
  type VoucherState,
} from '../src/index.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1);
const rules: ProgrammeRules = {
  id: 'shz',
  tenantKinds: ['ai-company'],
  siteIds: ['shihezi'],
  regions: [],
  ratesBp: { gpu: 3000 },
  capPerTenantFen: 10_000,
  validFromMs: T0,
  validToMs: T0 + 90 * DAY,
};
const voucher = (id: string, balanceFen: number, expiresInDays: number, over: Partial<VoucherState> = {}): VoucherState => ({
  id,
  programmeId: 'shz',
  tenantId: 'ai',
  balanceFen,
  validFromMs: T0,
  expiresAtMs: T0 + expiresInDays * DAY,
  status: 'active',
  ...over,
});
const charge = (over: Partial<Charge> = {}): Charge => ({
  tenantId: 'ai',
  tenantKind: 'ai-company',
  siteId: 'shihezi',
  region: 'xinjiang',
  resourceType: 'gpu',
  amountFen: 10_000,
  atMs: T0 + DAY,
  ...over,
});
const progs = new Map([['shz', rules]]);

describe('voucher eligibility', () => {
  test('a voucher is never applied outside its programme’s rules', () => {
    const v = voucher('v1', 5000, 30);
    assert.equal(voucherIneligibility(v, rules, charge()), null);
    const cases: [Partial<Charge>, string][] = [
      [{ siteId: 'hami' }, 'site'],
      [{ tenantKind: 'studio' }, 'tenant-kind'],
      [{ resourceType: 'cpu' }, 'resource-type'],
      [{ atMs: T0 + 30 * DAY }, 'voucher-expired'],
      [{ atMs: T0 - 1 }, 'voucher-not-yet-valid'],
      [{ tenantId: 'other' }, 'other-tenant'],
    ];
    for (const [over, reason] of cases) {
      assert.equal(voucherIneligibility(v, rules, charge(over)), reason, JSON.stringify(over));
      const s = splitBill(charge(over), [v], progs);
      assert.deepEqual(s.parts, [], JSON.stringify(over));
      assert.equal(s.walletFen, 10_000);
    }
    assert.equal(voucherIneligibility(voucher('v2', 5000, 200), rules, charge({ atMs: T0 + 95 * DAY })), 'programme-closed');
    assert.equal(voucherIneligibility(voucher('v3', 5000, 30, { status: 'expired' }), rules, charge()), 'voucher-expired');
  });

  test('a region whitelist admits every site in the region and no other', () => {
    const byRegion = { ...rules, siteIds: [], regions: ['xinjiang'] };
    assert.equal(voucherIneligibility(voucher('v', 1, 30), byRegion, charge({ siteId: 'hami' })), null);
    assert.equal(voucherIneligibility(voucher('v', 1, 30), byRegion, charge({ siteId: 'cq', region: 'chongqing' })), 'site');
  });
});

describe('splitting a bill', () => {
  test('vouchers pay earliest expiry first, up to the programme’s rate, and the wallet the rest', () => {
    const late = voucher('a-late', 2500, 60);
    const early = voucher('z-early', 1000, 10);
    const s = splitBill(charge({ amountFen: 10_000 }), [late, early], progs);
    assert.deepEqual(s.parts, [
      { voucherId: 'z-early', programmeId: 'shz', fen: 1000 },
      { voucherId: 'a-late', programmeId: 'shz', fen: 2000 },
    ]);
    assert.equal(s.walletFen, 7000);
  });

  test('the programme’s share is rounded down so it never pays more than its rate', () => {
    const s = splitBill(charge({ amountFen: 1 }), [voucher('v', 100, 30)], progs);
    assert.equal(s.walletFen, 1);
    const t = splitBill(charge({ amountFen: 333 }), [voucher('v', 100, 30)], progs);
    assert.equal(t.parts[0]!.fen, 99);
  });

  test('the per-tenant cap limits what is left to redeem', () => {
    const s = splitBill(charge({ amountFen: 10_000 }), [voucher('v', 5000, 30)], progs, { shz: 9_500 });
    assert.equal(s.parts[0]!.fen, 500);
    const capped = splitBill(charge(), [voucher('v', 5000, 30)], progs, { shz: 10_000 });
    assert.deepEqual(capped.parts, []);
    assert.equal(capped.skipped[0]!.reason, 'tenant-cap-reached');
  });

  test('bad amounts are refused with a stable code', () => {
    for (const amountFen of [-1, 1.5, Number.NaN]) {
      assert.throws(() => splitBill(charge({ amountFen }), [], progs), (e: unknown) => e instanceof BillingRuleError && e.code === 'BILLING_AMOUNT_INVALID');
    }
  });
});

describe('prices', () => {
  test('a flat price bills unit-hours at that price', () => {
    assert.equal(priceUsageFen({ unitHours: 8, startMs: T0, endMs: T0 + 3600_000, price: { fenPerUnitHour: 260 } }), 2080);
  });

  test('a time-of-use price charges each hour’s slice at that hour’s rate', () => {
    // 16:00–18:00 UTC is 00:00–02:00 Beijing time: hour 0 at 100 fen, hour 1 at 300 fen.
    const tou = Array.from({ length: 24 }, (_, h) => (h === 0 ? 100 : h === 1 ? 300 : 999));
    const start = Date.UTC(2026, 5, 1, 16);
    const fen = priceUsageFen({ unitHours: 4, startMs: start, endMs: start + 2 * 3600_000, price: { fenPerUnitHour: 0, touFenPerUnitHour: tou } });
    assert.equal(fen, 2 * 100 + 2 * 300);
  });

  test('a time-of-use table must have 24 values', () => {
    assert.throws(() => priceUsageFen({ unitHours: 1, startMs: 0, endMs: 1, price: { fenPerUnitHour: 1, touFenPerUnitHour: [1, 2] } }), /24/);
  });
});

describe('issuing and admission', () => {
  const base = { amountFen: 4000, budgetLeftFen: 50_000, issuedToTenantFen: 0, capPerTenantFen: 10_000, tenantKind: 'ai-company', tenantKinds: ['ai-company'], nowMs: T0 + DAY, validFromMs: T0, validToMs: T0 + 90 * DAY };
  test('issuance stays within the budget, the tenant cap, the tenant kinds and the window', () => {
    assert.equal(issuanceRefusal(base), null);
    assert.equal(issuanceRefusal({ ...base, budgetLeftFen: 3999 }), 'budget-exhausted');
    assert.equal(issuanceRefusal({ ...base, issuedToTenantFen: 6001 }), 'tenant-cap');
    assert.equal(issuanceRefusal({ ...base, tenantKind: 'studio' }), 'tenant-kind');
    assert.equal(issuanceRefusal({ ...base, nowMs: T0 + 91 * DAY }), 'programme-closed');
    assert.equal(issuanceRefusal({ ...base, amountFen: 0 }), 'amount-zero');
  });

  test('work does not start when wallet and vouchers cannot pay the estimate or the cap would be passed', () => {
    assert.deepEqual(admit({ estimateFen: 1000, walletFen: 700, voucherCoverFen: 300, monthSpentFen: 0, monthlyCapFen: null }), { ok: true });
    assert.deepEqual(admit({ estimateFen: 1000, walletFen: 699, voucherCoverFen: 300, monthSpentFen: 0, monthlyCapFen: null }), { ok: false, reason: 'insufficient-funds' });
    assert.deepEqual(admit({ estimateFen: 1000, walletFen: 5000, voucherCoverFen: 0, monthSpentFen: 9500, monthlyCapFen: 10_000 }), { ok: false, reason: 'monthly-cap' });
  });
});
