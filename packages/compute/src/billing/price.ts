import { localHour, type Span } from '../meter.ts';
import { BillingRuleError } from './errors.ts';

/** A site's price for one resource type: flat, or one price per local hour of the day (time of use). */
export interface PriceEntry {
  fenPerUnitHour: number;
  /** 24 prices indexed by Beijing-time hour; when set it replaces the flat price. */
  touFenPerUnitHour?: readonly number[] | null;
}

export function validatePrice(p: PriceEntry): void {
  const bad = (v: number) => !Number.isFinite(v) || v < 0;
  if (bad(p.fenPerUnitHour)) throw new BillingRuleError('BILLING_PRICE_INVALID', 'fenPerUnitHour', 'a price is a non-negative number of fen per unit-hour.');
  if (p.touFenPerUnitHour) {
    if (p.touFenPerUnitHour.length !== 24) throw new BillingRuleError('BILLING_PRICE_INVALID', 'touFenPerUnitHour', 'a time-of-use price has exactly 24 hourly values.');
    p.touFenPerUnitHour.forEach((v, i) => {
      if (bad(v)) throw new BillingRuleError('BILLING_PRICE_INVALID', `touFenPerUnitHour.${i}`, 'each hourly price is a non-negative number.');
    });
  }
}

/**
 * What metered usage costs under a price entry. The unit-hours are spread evenly over the run's
 * wall-clock span — or over its active spans, when it was suspended in place for a while (meter.ts
 * activeSpans) — and each hour's slice is priced at that hour's rate; rounding to fen happens once.
 */
export function priceUsageFen(args: { unitHours: number; startMs: number; endMs: number; price: PriceEntry; spans?: readonly Span[] }): number {
  const { unitHours, startMs, endMs, price } = args;
  validatePrice(price);
  if (!Number.isFinite(unitHours) || unitHours < 0) {
    throw new BillingRuleError('BILLING_AMOUNT_INVALID', 'unitHours', 'unit-hours must be a non-negative number.');
  }
  const tou = price.touFenPerUnitHour;
  if (!tou || endMs <= startMs) return Math.round(unitHours * (tou ? (tou[localHour(startMs)] ?? 0) : price.fenPerUnitHour));
  const spans = args.spans?.length ? args.spans : [{ startMs, endMs }];
  const perMs = unitHours / spans.reduce((n, s) => n + (s.endMs - s.startMs), 0);
  let fen = 0;
  for (const s of spans) {
    for (let t = s.startMs; t < s.endMs; ) {
      const next = Math.min(s.endMs, (Math.floor(t / 3600_000) + 1) * 3600_000);
      fen += perMs * (next - t) * (tou[localHour(t)] ?? 0);
      t = next;
    }
  }
  return Math.round(fen);
}
