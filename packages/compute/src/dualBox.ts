import type { EnergyBlock } from './energyBlock.ts';
import { masterRow, type MasterRows } from './masterRows.ts';

/**
 * A box around the best multipliers for the Lagrangian master by columns (box-step stabilization, Marsten
 * et al. 1975): on each master row r two artificial columns, +e_r at cost c_r + δ_r and −e_r at cost
 * −(c_r − δ_r), which in the master's dual are the constraints c_r − δ_r ≤ z_r ≤ c_r + δ_r. The master's
 * duals then stay near the centre c (the best multipliers so far) instead of swinging to the extremes of a
 * master with few columns, so that pricing at them can find a better L. Why: on large hourly, started from
 * optimal's subgradient multipliers, 17 rounds of the unboxed master (Wentges-smoothed) never priced above
 * its start (the README's table, 18:55 UTC run). The master's objective is then the cutting-plane model's
 * best inside the box: no bound on anything while a box column is in use.
 */
export interface DualBox {
  /** centre and half-width per master row (the shared rows, in master space) */
  centre: Float64Array;
  width: Float64Array;
}

/** Row kinds whose multipliers share a scale: energy, capacity, renewables, storage state, the green row. */
function rowKinds(eb: EnergyBlock): Int8Array {
  const kind = new Int8Array(eb.numRows).fill(4);
  const mark = (rows: Int32Array, k: number) => { for (const r of rows) if (r >= 0) kind[r] = k; };
  mark(eb.energyRow, 0); mark(eb.capRow, 1); mark(eb.renewRow, 2); mark(eb.socRow, 3);
  return kind;
}

/**
 * The box around fine multipliers `y` (e.g. the best so far) on `count` master rows (`blocks`: the rows
 * summed over slots, or null for the rows themselves), half-width `rel` × (|centre| + the mean |centre| of
 * the row's kind over rows priced at all, 1 fen where none is): a row priced at zero may still be priced.
 */
export function dualBox(eb: EnergyBlock, blocks: MasterRows | null, count: number, y: Float64Array, rel: number): DualBox {
  const centre = new Float64Array(count), seen = new Float64Array(count);
  const kindOf = new Int8Array(count);
  const kinds = rowKinds(eb);
  for (let i = 0; i < eb.numRows; i++) {
    const { row, scale } = blocks ? masterRow(blocks, i) : { row: i, scale: 1 };
    // A block's multiplier is the mean of its fine rows' (each divided by its weight).
    centre[row]! += (y[i] ?? 0) / scale;
    seen[row]!++;
    kindOf[row] = kinds[i]!;
  }
  for (let r = 0; r < count; r++) if (seen[r]! > 0) centre[r]! /= seen[r]!;
  const sum = new Float64Array(5), priced = new Float64Array(5);
  for (let r = 0; r < count; r++) if (centre[r] !== 0) { sum[kindOf[r]!]! += Math.abs(centre[r]!); priced[kindOf[r]!]!++; }
  const typical = Float64Array.from(sum, (v, k) => (priced[k]! > 0 ? v / priced[k]! : 1));
  const width = Float64Array.from(centre, (c, r) => rel * (Math.abs(c) + typical[kindOf[r]!]!));
  return { centre, width };
}

/** The box's columns as the master takes them: row, coefficient and cost, the upper side first per row. */
export function boxColumns(box: DualBox): { cost: number; rows: number[]; coefs: number[] }[] {
  const out: { cost: number; rows: number[]; coefs: number[] }[] = [];
  box.centre.forEach((c, r) => {
    out.push({ cost: c + box.width[r]!, rows: [r], coefs: [1] });
    out.push({ cost: -(c - box.width[r]!), rows: [r], coefs: [-1] });
  });
  return out;
}
