import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { account, accountKind, balancesOf, BillingRuleError, dataFeePostings, isBalanced } from '../src/index.ts';

test('a data fee moves from the consumer\'s wallet to the provider, less the platform\'s commission', () => {
  const b = balancesOf(dataFeePostings('bank', 'grid', 10_000, 300));
  assert.equal(b.get(account.wallet('bank')), -10_000);
  assert.equal(b.get(account.provider('grid')), 9_700);
  assert.equal(b.get(account.platform), 300);
});

test('the commission is rounded down, as on compute bills: the provider keeps the rounding', () => {
  const b = balancesOf(dataFeePostings('bank', 'grid', 33, 300));
  assert.equal(b.get(account.provider('grid')), 33);
  assert.equal(b.get(account.platform), undefined);
  assert.equal(balancesOf(dataFeePostings('bank', 'grid', 101, 300)).get(account.platform), 3);
});

test('a free product posts nothing', () => {
  assert.deepEqual(dataFeePostings('bank', 'grid', 0, 300), []);
});

test('a fee that is not whole, non-negative fen is refused', () => {
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => dataFeePostings('bank', 'grid', bad, 300), BillingRuleError);
});

test('provider accounts are a ledger account kind of their own', () => {
  assert.equal(accountKind(account.provider('grid')), 'provider');
  assert.equal(accountKind(account.wallet('grid')), 'wallet');
  assert.throws(() => accountKind('supplier:grid'), BillingRuleError);
});

test('every data fee balances, and provider plus platform receive exactly what the wallet paid', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.boolean(), (fee, bp, self) => {
      const consumer = 'c';
      const provider = self ? 'c' : 'p';
      const postings = dataFeePostings(consumer, provider, fee, bp);
      assert.ok(isBalanced(postings));
      const paid = 0 - postings.filter((p) => p.account === account.wallet(consumer)).reduce((a, p) => a + p.amountFen, 0);
      const platform = postings.filter((p) => p.account === account.platform).reduce((a, p) => a + p.amountFen, 0);
      const income = postings.filter((p) => p.account === account.provider(provider)).reduce((a, p) => a + p.amountFen, 0);
      assert.equal(paid, fee);
      assert.equal(platform, Math.floor((fee * bp) / 10_000));
      assert.equal(income + platform, fee);
    }),
  );
});
