import { ComputeError, type ComputeErrorCode } from '../errors.ts';

export type BillingRuleCode = Extract<ComputeErrorCode, 'BILLING_AMOUNT_INVALID' | 'BILLING_RATE_INVALID' | 'BILLING_PRICE_INVALID' | 'LEDGER_UNBALANCED'>;

/** A billing rule was given inputs it cannot price or split; `code` is stable, `field` names the input. */
export class BillingRuleError extends ComputeError<BillingRuleCode> {
  readonly field: string;
  constructor(code: BillingRuleCode, field: string, message: string) {
    super(code, message, { field });
    this.field = field;
  }
}
