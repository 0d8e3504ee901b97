import { DataUsagePolicy, type DataColumn, type DataUsagePolicyInput } from '@shuzhi/schema';

/** A policy with the schema's defaults filled in, as the server stores it. */
export function policy(input: Partial<DataUsagePolicyInput> = {}): DataUsagePolicy {
  return DataUsagePolicy.parse({
    permissions: [{ action: 'aggregate' }],
    output: { kind: 'k-anonymity', k: 10 },
    computeRegions: ['xj-north'],
    ...input,
  });
}

/** Smart-meter readings: one identifier, two dimensions with categories, two bounded measures, one sensitive column. */
export const meterColumns: DataColumn[] = [
  { name: 'meter_id', type: 'string', role: 'identifier' },
  { name: 'county', type: 'string', role: 'dimension', categories: ['Shawan', 'Kuitun', 'Wusu'] },
  { name: 'tariff', type: 'string', role: 'dimension', categories: ['residential', 'commercial'] },
  { name: 'month', type: 'date', role: 'dimension' },
  { name: 'energy_kwh', type: 'number', role: 'measure', bounds: [0, 2000] },
  { name: 'peak_kw', type: 'integer', role: 'measure', bounds: [0, 50] },
  { name: 'holder_name', type: 'string', role: 'sensitive' },
];

/** Var of the discrete Laplace with P(k) ∝ exp(−|k|/b): 2q/(1−q)² with q = e^{−1/b}. */
export function discreteLaplaceVariance(b: number): number {
  const q = Math.exp(-1 / b);
  return (2 * q) / (1 - q) ** 2;
}
