export * from './types.ts';
export * from './errors.ts';
export * from './eligibility.ts';
export { splitBill, programmeShareFen, voucherCoverFen, assertFen, byExpiry, type BillSplit, type VoucherPart } from './split.ts';
export * from './price.ts';
export * from './ledger.ts';
export * from './issuance.ts';
export * from './admission.ts';
