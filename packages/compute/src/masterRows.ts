import type { EnergyBlock } from './energyBlock.ts';
import type { LpModel } from './lp.ts';
import type { PlanIndex } from './planIndex.ts';

/**
 * The shared rows of a Lagrangian master summed over blocks of `factor` slots: multipliers constant over
 * each block. Fine row i joins master row `row[i]` weighted `scale[i]`; its multiplier is scale[i] times the
 * master row's (a capacity row's 1/factor: a block's unit-slot holds a unit for `factor` slots, as
 * fineMultipliers prices it; energy, renewables, storage-state and green rows 1: their kWh add up).
 *
 * Why: at 15-minute slots the per-job master has 4× the rows and nonzeros of the hourly one and HiGHS takes
 * 10–25 s a round (medium, large); on hourly rows a placement's 15-minute unit-slots share a row per hour.
 * A master over these rows is the Lagrangian dual restricted to multipliers y = M·z (weak duality holds at
 * any multipliers, so every L(y) is still a bound; the restricted dual can only be looser).
 */
export interface MasterRows {
  row: Int32Array;
  scale: Float64Array;
  /** master rows the fine shared rows become */
  count: number;
}

/** The energy block's rows summed over blocks of `factor` slots (factor 1: a master row per row). */
export function blockRows(ix: PlanIndex, eb: EnergyBlock, factor: number): MasterRows {
  const row = new Int32Array(eb.numRows).fill(-1);
  const scale = new Float64Array(eb.numRows).fill(1);
  const T = ix.T, blocks = Math.ceil(T / factor);
  let count = 0;
  // Every row of `rows` (per series × slot, −1 absent) joins its series' block row.
  const byBlock = (rows: Int32Array, series: number, w: number) => {
    for (let q = 0; q < series; q++) {
      const ids = new Int32Array(blocks).fill(-1);
      for (let t = 0; t < T; t++) {
        const i = rows[q * T + t]!;
        if (i < 0) continue;
        const c = Math.floor(t / factor);
        if (ids[c]! < 0) ids[c] = count++;
        row[i] = ids[c]!;
        scale[i] = w;
      }
    }
  };
  const nS = ix.siteIds.length;
  byBlock(eb.energyRow, nS, 1);
  byBlock(eb.capRow, nS * ix.types.length, 1 / factor);
  byBlock(eb.renewRow, nS, 1);
  byBlock(eb.socRow, nS, 1);
  // Any other row (the green target) stays a row of its own.
  for (let i = 0; i < eb.numRows; i++) if (row[i]! < 0) row[i] = count++;
  return { row, scale, count };
}

/** Row i of a model whose first row.length rows are the shared ones, in the master (rows after them keep their order). */
export function masterRow(m: MasterRows, i: number): { row: number; scale: number } {
  return i < m.row.length ? { row: m.row[i]!, scale: m.scale[i]! } : { row: m.count + i - m.row.length, scale: 1 };
}

/** A column's fine entries on the master's rows, each row once (entries that cancel dropped). */
export function masterEntries(m: MasterRows, rows: readonly number[], coefs: readonly number[]): { rows: number[]; coefs: number[] } {
  const sum = new Map<number, number>();
  for (let k = 0; k < rows.length; k++) {
    const r = masterRow(m, rows[k]!);
    sum.set(r.row, (sum.get(r.row) ?? 0) + r.scale * coefs[k]!);
  }
  const out = { rows: [] as number[], coefs: [] as number[] };
  for (const [r, v] of sum) if (v !== 0) { out.rows.push(r); out.coefs.push(v); }
  return out;
}

/** The model with its rows summed as `m` says: a row's bounds are its rows' weighted sums (their senses agree). */
export function aggregateRows(model: LpModel, m: MasterRows): LpModel {
  const numRows = m.count + model.numRows - m.row.length;
  const rowLower = new Float64Array(numRows), rowUpper = new Float64Array(numRows);
  for (let i = 0; i < model.numRows; i++) {
    const r = masterRow(m, i);
    rowLower[r.row]! += r.scale * model.rowLower[i]!;
    rowUpper[r.row]! += r.scale * model.rowUpper[i]!;
  }
  const starts = new Int32Array(model.numCols + 1);
  const indices: number[] = [], values: number[] = [];
  for (let c = 0; c < model.numCols; c++) {
    const e = masterEntries(m, Array.from(model.indices.subarray(model.starts[c]!, model.starts[c + 1]!)), Array.from(model.values.subarray(model.starts[c]!, model.starts[c + 1]!)));
    indices.push(...e.rows); values.push(...e.coefs);
    starts[c + 1] = indices.length;
  }
  const { integrality: _, ...rest } = model;
  return { ...rest, numRows, rowLower, rowUpper, starts, indices: Int32Array.from(indices), values: Float64Array.from(values) };
}

/** The fine shared rows' multipliers from the master's duals (y = M·z). */
export function expandDuals(m: MasterRows, z: Float64Array): Float64Array {
  return Float64Array.from(m.row, (r, i) => (z[r] ?? 0) * m.scale[i]!);
}
