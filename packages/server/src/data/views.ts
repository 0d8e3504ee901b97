import { createHash } from 'node:crypto';
import { createRng, type DataContract, type DataProduct, type DataText } from '@shuzhi/schema';
import { previewRows } from '@shuzhi/data';
import type { dataContracts, dataProducts } from './db-schema.ts';

export type ProductRow = typeof dataProducts.$inferSelect;
export type ContractRow = typeof dataContracts.$inferSelect;

const PREVIEW_ROWS = 5;

/** A stable seed per product: the same product always shows the same (generated) preview. */
function seedOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0);
}

export function productView(row: ProductRow, providerName: string): DataProduct {
  return {
    id: row.id,
    providerTenantId: row.providerTenantId,
    providerName,
    title: row.title,
    description: row.description,
    domain: row.domain as DataProduct['domain'],
    siteId: row.siteId,
    regionId: row.regionId,
    schema: row.schema,
    synthetic: row.synthetic,
    source: row.source,
    quality: row.quality,
    licence: row.licence,
    feeFenPerUse: row.feeFenPerUse,
    policy: row.policy,
    state: row.state as DataProduct['state'],
    rows: row.rows,
    preview: previewRows(row.schema.columns, PREVIEW_ROWS, createRng(seedOf(row.id))),
    createdAt: row.createdAt.toISOString(),
  };
}

export function contractView(
  row: ContractRow,
  productTitle: DataText,
  epsilon: DataContract['epsilon'],
): DataContract {
  return {
    id: row.id,
    productId: row.productId,
    productTitle,
    providerTenantId: row.providerTenantId,
    consumerTenantId: row.consumerTenantId,
    purpose: row.purpose as DataContract['purpose'],
    actions: row.actions as DataContract['actions'],
    note: row.note,
    state: row.state as DataContract['state'],
    reasons: row.reasons,
    terms: row.terms,
    proof: row.proof,
    uses: row.uses,
    epsilon,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
  };
}
