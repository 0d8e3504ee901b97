import { DataProductInput, type DataAction, type DataColumnRole, type DataColumnType, type DataDomain, type DataPurpose } from '@shuzhi/schema';
import { issueMessage } from '../../validation.ts';
import type { Translate } from './policy.ts';

/** One row of the schema editor, as typed. */
export interface ColumnRow {
  name: string;
  type: DataColumnType;
  role: DataColumnRole;
  unit: string;
  /** "lo,hi" for measures. */
  bounds: string;
  /** Comma-separated values for dimensions. */
  categories: string;
}

/** What the register form's inputs hold. */
export interface ProductForm {
  titleZh: string;
  titleEn: string;
  descriptionZh: string;
  descriptionEn: string;
  domain: DataDomain;
  siteId: string;
  columns: ColumnRow[];
  output: 'k-anonymity' | 'differential-privacy';
  k: string;
  epsilonBudget: string;
  maxEpsilonPerQuery: string;
  approval: 'automatic' | 'provider';
  computeRegions: string[];
  resultsMayLeaveRegion: boolean;
  actions: DataAction[];
  /** Empty = any purpose. */
  purposes: DataPurpose[];
  feeYuan: string;
  licence: string;
  source: string;
  quality: string;
  synthetic: boolean;
}

export const emptyColumn: ColumnRow = { name: '', type: 'string', role: 'dimension', unit: '', bounds: '', categories: '' };

export const emptyProductForm: ProductForm = {
  titleZh: '',
  titleEn: '',
  descriptionZh: '',
  descriptionEn: '',
  domain: 'industry',
  siteId: '',
  columns: [{ ...emptyColumn }],
  output: 'k-anonymity',
  k: '10',
  epsilonBudget: '3',
  maxEpsilonPerQuery: '0.5',
  approval: 'automatic',
  computeRegions: [],
  resultsMayLeaveRegion: true,
  actions: ['aggregate'],
  purposes: [],
  feeYuan: '0',
  licence: '',
  source: '',
  quality: '',
  synthetic: false,
};

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/**
 * The form as the API's product input, checked against the same zod schema the server uses; errors
 * keyed by the input's path (`title.zh`, `schema.columns.2.name`, `policy.output.k`, `feeFenPerUse`).
 */
export function buildProductInput(f: ProductForm, t: Translate): { ok: true; body: DataProductInput } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const columns = f.columns.map((c, i) => {
    let bounds: [number, number] | undefined;
    if (c.bounds.trim()) {
      const b = list(c.bounds).map(Number);
      if (b.length === 2 && b.every(Number.isFinite) && b[0]! <= b[1]!) bounds = [b[0]!, b[1]!];
      else errors[`schema.columns.${i}.bounds`] = t('data.register.badBounds');
    }
    const categories = list(c.categories);
    return { name: c.name.trim(), type: c.type, role: c.role, ...(c.unit.trim() ? { unit: c.unit.trim() } : {}), ...(bounds ? { bounds } : {}), ...(categories.length ? { categories } : {}) };
  });
  const fen = Math.round(Number(f.feeYuan) * 100);
  if (!/^\s*\d+(\.\d{1,2})?\s*$/.test(f.feeYuan)) errors.feeFenPerUse = t('data.register.badFee');
  const constraints = f.purposes.length ? [{ leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: f.purposes }] : [];
  const candidate = {
    title: { zh: f.titleZh.trim(), en: f.titleEn.trim() },
    description: { zh: f.descriptionZh.trim(), en: f.descriptionEn.trim() },
    domain: f.domain,
    siteId: f.siteId,
    schema: { columns },
    synthetic: f.synthetic,
    source: f.source.trim(),
    quality: f.quality.trim(),
    licence: f.licence.trim(),
    feeFenPerUse: fen,
    policy: {
      permissions: f.actions.map((action) => ({ action, constraints })),
      prohibitions: [],
      duties: fen > 0 ? [{ action: 'pay-per-use' }] : [],
      output:
        f.output === 'k-anonymity'
          ? { kind: 'k-anonymity', k: Number(f.k) }
          : { kind: 'differential-privacy', epsilonBudget: Number(f.epsilonBudget), maxEpsilonPerQuery: Number(f.maxEpsilonPerQuery) },
      computeRegions: f.computeRegions,
      resultsMayLeaveRegion: f.resultsMayLeaveRegion,
      approval: f.approval,
    },
  };
  const parsed = DataProductInput.safeParse(candidate);
  if (!parsed.success) for (const issue of parsed.error.issues) errors[issue.path.map(String).join('.')] ??= issueMessage(issue, t);
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, body: parsed.data };
}
