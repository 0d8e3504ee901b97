import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  account,
  billPostings,
  dueForExpiry,
  expiryPostings,
  isBalanced,
  issuanceRefusal,
  platformFeeFen,
  splitBill,
  transfer,
  voucherIneligibility,
  type Charge,
  type Posting,
  type ProgrammeRules,
  type VoucherState,
} from '../src/index.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const FEE_BP = 300;

const PROGRAMMES: ProgrammeRules[] = [
  { id: 'p-green', tenantKinds: ['ai-company'], siteIds: ['shihezi'], regions: [], ratesBp: { gpu: 3000, cpu: 2000 }, capPerTenantFen: 50_000, validFromMs: T0, validToMs: T0 + 60 * DAY },
  { id: 'p-region', tenantKinds: ['ai-company', 'studio'], siteIds: [], regions: ['xinjiang'], ratesBp: { gpu: 5000 }, capPerTenantFen: 20_000, validFromMs: T0 + 5 * DAY, validToMs: T0 + 40 * DAY },
];
const TENANTS = [
  { id: 'ai-1', kind: 'ai-company' },
  { id: 'ai-2', kind: 'ai-company' },
  { id: 'studio', kind: 'studio' },
];
const SITES = [
  { id: 'shihezi', region: 'xinjiang' },
  { id: 'hami', region: 'xinjiang' },
  { id: 'chongqing', region: 'chongqing' },
];

type Op =
  | { k: 'topup'; tenant: number; fen: number }
  | { k: 'fund'; prog: number; fen: number }
  | { k: 'issue'; prog: number; tenant: number; fen: number; days: number }
  | { k: 'bill'; tenant: number; site: number; type: 'gpu' | 'cpu' | 'render'; fen: number }
  | { k: 'tick'; days: number };

// Weighted towards issuing and billing so that most sequences redeem, cap and expire vouchers.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ k: fc.constant('topup' as const), tenant: fc.nat(2), fen: fc.integer({ min: 0, max: 100_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('fund' as const), prog: fc.nat(1), fen: fc.integer({ min: 0, max: 80_000 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('issue' as const), prog: fc.nat(1), tenant: fc.nat(2), fen: fc.integer({ min: 0, max: 12_000 }), days: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('bill' as const), tenant: fc.nat(2), site: fc.nat(2), type: fc.constantFrom('gpu' as const, 'cpu' as const, 'render' as const), fen: fc.integer({ min: 0, max: 40_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('tick' as const), days: fc.integer({ min: 0, max: 10 }) }) },
);
const START: Op[] = [
  { k: 'fund', prog: 0, fen: 60_000 },
  { k: 'fund', prog: 1, fen: 60_000 },
];

/** A tiny in-memory ledger built only from the engine's posting rules. */
class Model {
  balances = new Map<string, number>();
  txns: Posting[][] = [];
  vouchers: (VoucherState & { faceFen: number; redeemedFen: number; expiredFen: number })[] = [];
  redeemed = new Map<string, number>(); // `${prog}|${tenant}`
  issued = new Map<string, number>();
  funded = new Map<string, number>();
  now = T0;
  n = 0;
  progs = new Map(PROGRAMMES.map((p) => [p.id, p]));

  post(postings: Posting[]) {
    assert.ok(isBalanced(postings), `unbalanced ${JSON.stringify(postings)}`);
    this.txns.push(postings);
    for (const p of postings) this.balances.set(p.account, (this.balances.get(p.account) ?? 0) + p.amountFen);
  }
  bal(a: string) {
    return this.balances.get(a) ?? 0;
  }
  liveVouchers(): VoucherState[] {
    return this.vouchers.map((v) => ({ ...v, balanceFen: this.bal(account.voucher(v.id)) }));
  }

  apply(op: Op) {
    switch (op.k) {
      case 'topup':
        return this.post(transfer(account.external, account.wallet(TENANTS[op.tenant]!.id), op.fen));
      case 'fund': {
        const p = PROGRAMMES[op.prog]!;
        this.funded.set(p.id, (this.funded.get(p.id) ?? 0) + op.fen);
        return this.post(transfer(account.external, account.budget(p.id), op.fen));
      }
      case 'issue': {
        const p = PROGRAMMES[op.prog]!;
        const t = TENANTS[op.tenant]!;
        const key = `${p.id}|${t.id}`;
        const refusal = issuanceRefusal({
          amountFen: op.fen,
          budgetLeftFen: this.bal(account.budget(p.id)),
          issuedToTenantFen: this.issued.get(key) ?? 0,
          capPerTenantFen: p.capPerTenantFen,
          tenantKind: t.kind,
          tenantKinds: p.tenantKinds,
          nowMs: this.now,
          validFromMs: p.validFromMs,
          validToMs: p.validToMs,
        });
        if (refusal) return;
        const id = `v${String(++this.n).padStart(4, '0')}`;
        this.vouchers.push({ id, programmeId: p.id, tenantId: t.id, balanceFen: 0, validFromMs: this.now, expiresAtMs: this.now + op.days * DAY, status: 'active', faceFen: op.fen, redeemedFen: 0, expiredFen: 0 });
        this.issued.set(key, (this.issued.get(key) ?? 0) + op.fen);
        return this.post(transfer(account.budget(p.id), account.voucher(id), op.fen));
      }
      case 'bill': {
        const t = TENANTS[op.tenant]!;
        const s = SITES[op.site]!;
        const charge: Charge = { tenantId: t.id, tenantKind: t.kind, siteId: s.id, region: s.region, resourceType: op.type, amountFen: op.fen, atMs: this.now };
        const held = this.liveVouchers().filter((v) => v.tenantId === t.id);
        const redeemedBy = Object.fromEntries(PROGRAMMES.map((p) => [p.id, this.redeemed.get(`${p.id}|${t.id}`) ?? 0]));
        const split = splitBill(charge, held, this.progs, redeemedBy);
        // Conservation: vouchers plus wallet pay exactly the bill.
        assert.equal(split.parts.reduce((a, p) => a + p.fen, 0) + split.walletFen, op.fen);
        assert.ok(split.walletFen >= 0);
        const perProg = new Map<string, number>();
        for (const part of split.parts) {
          const v = held.find((h) => h.id === part.voucherId)!;
          const rules = this.progs.get(v.programmeId)!;
          // Never outside the programme's rules, never past the balance.
          assert.equal(voucherIneligibility(v, rules, charge), null);
          assert.ok(part.fen > 0 && part.fen <= v.balanceFen);
          perProg.set(rules.id, (perProg.get(rules.id) ?? 0) + part.fen);
        }
        for (const [pid, fen] of perProg) {
          const rules = this.progs.get(pid)!;
          assert.ok(fen * 10_000 <= op.fen * (rules.ratesBp[op.type] ?? 0), 'a programme paid more than its rate');
          const key = `${pid}|${t.id}`;
          this.redeemed.set(key, (this.redeemed.get(key) ?? 0) + fen);
          assert.ok(this.redeemed.get(key)! <= rules.capPerTenantFen, 'a tenant passed its cap');
        }
        // Earliest expiry first: a paying voucher never expires after an eligible one left with value unused.
        const paid = split.parts.map((p) => held.find((h) => h.id === p.voucherId)!);
        for (let i = 1; i < paid.length; i++) assert.ok(paid[i - 1]!.expiresAtMs <= paid[i]!.expiresAtMs);
        for (const part of split.parts) this.vouchers.find((v) => v.id === part.voucherId)!.redeemedFen += part.fen;
        const before = this.bal(account.revenue(s.id));
        this.post(billPostings(split, t.id, s.id, FEE_BP));
        assert.equal(this.bal(account.revenue(s.id)) - before, op.fen - platformFeeFen(op.fen, FEE_BP));
        return;
      }
      case 'tick': {
        this.now += op.days * DAY;
        for (const v of dueForExpiry(this.liveVouchers(), this.now)) {
          const m = this.vouchers.find((x) => x.id === v.id)!;
          m.expiredFen = v.balanceFen;
          m.status = 'expired';
          this.post(expiryPostings(v));
        }
      }
    }
  }

  checkInvariants() {
    let total = 0;
    for (const [a, b] of this.balances) {
      total += b;
      if (a.startsWith('voucher:') || a.startsWith('budget:') || a.startsWith('revenue:') || a === 'platform') {
        assert.ok(b >= 0, `${a} went negative: ${b}`);
      }
    }
    assert.equal(total, 0, 'the ledger as a whole must sum to zero');
    for (const v of this.vouchers) {
      assert.equal(this.bal(account.voucher(v.id)), v.status === 'expired' ? 0 : v.faceFen - v.redeemedFen);
      if (v.status === 'expired') assert.equal(v.faceFen, v.redeemedFen + v.expiredFen);
    }
    // Every fen a programme was funded with is in its budget, in a voucher, or was redeemed.
    for (const p of PROGRAMMES) {
      const mine = this.vouchers.filter((v) => v.programmeId === p.id);
      const inVouchers = mine.reduce((a, v) => a + this.bal(account.voucher(v.id)), 0);
      const redeemed = mine.reduce((a, v) => a + v.redeemedFen, 0);
      assert.equal(this.bal(account.budget(p.id)) + inVouchers + redeemed, this.funded.get(p.id) ?? 0);
    }
  }
}

test('the ledger balances after every operation of any sequence', () => {
  let redemptions = 0;
  let expiries = 0;
  let issuedCount = 0;
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 5, maxLength: 60, size: 'max' }), (ops) => {
      const m = new Model();
      for (const op of [...START, ...ops]) {
        m.apply(op);
        m.checkInvariants();
      }
      for (const t of m.txns) assert.ok(isBalanced(t));
      issuedCount += m.vouchers.length;
      redemptions += m.vouchers.filter((v) => v.redeemedFen > 0).length;
      expiries += m.vouchers.filter((v) => v.status === 'expired' && v.expiredFen > 0).length;
    }),
    { numRuns: 300 },
  );
  // The generator must reach the interesting paths, or the property says little.
  assert.ok(redemptions > 50, `only ${redemptions} redemptions generated (${issuedCount} issued)`);
  assert.ok(expiries > 10, `only ${expiries} expiries with value generated`);
});
