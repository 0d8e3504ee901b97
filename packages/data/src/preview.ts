import type { DataColumn } from '@shuzhi/schema';
import type { UniformSource } from './output/noise.ts';

export type PreviewRow = Record<string, string | number | boolean | null>;

const DAY_MS = 86_400_000;
/** Preview dates fall in 2026, a year with no meaning for any product: they only show the format. */
const PREVIEW_START_MS = Date.UTC(2026, 0, 1);

/**
 * Example rows that show a product's shape without any of its data: each value comes from the
 * column's categories, bounds or type. Identifiers are numbered placeholders; sensitive columns are
 * always null.
 */
export function previewRows(columns: DataColumn[], n: number, u: UniformSource): PreviewRow[] {
  return Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map((c) => [c.name, value(c, i, u)])));
}

function value(c: DataColumn, i: number, u: UniformSource): string | number | boolean | null {
  if (c.role === 'sensitive') return null;
  if (c.role === 'identifier') return `id-${String(i + 1).padStart(4, '0')}`;
  if (c.categories && c.categories.length > 0) return c.categories[Math.floor(u.next() * c.categories.length)]!;
  const [lo, hi] = c.bounds ?? [0, 1000];
  switch (c.type) {
    case 'integer':
      return Math.ceil(lo) + Math.floor(u.next() * (Math.floor(hi) - Math.ceil(lo) + 1));
    case 'number':
      return Math.round((lo + u.next() * (hi - lo)) * 100) / 100;
    case 'boolean':
      return u.next() < 0.5;
    case 'date':
      return new Date(PREVIEW_START_MS + Math.floor(u.next() * 365) * DAY_MS).toISOString().slice(0, 10);
    case 'timestamp':
      return new Date(PREVIEW_START_MS + Math.floor(u.next() * 365 * 24) * 3_600_000).toISOString();
    case 'string':
      return `${c.name}-${1 + Math.floor(u.next() * 9)}`;
  }
}
