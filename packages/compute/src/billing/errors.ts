import { ComputeError } from '../errors.ts';

/** A billing rule was given inputs it cannot price or split; `code` is stable. */
export class BillingRuleError extends ComputeError {
  readonly field: string;
  constructor(code: 'BILLING_AMOUNT_INVALID' | 'BILLING_RATE_INVALID' | 'BILLING_PRICE_INVALID' | 'LEDGER_UNBALANCED', field: string, message: string) {
    super(code, message);
    this.field = field;
  }
}
