import { LpBuilder, type LpModel } from './lp.ts';
import type { PlanIndex } from './planIndex.ts';

/**
 * The site-slot part of the planner LP shared by every model: per site and slot, grid, renewable,
 * storage charge/discharge and state-of-charge columns, and rows that later work columns join.
 *   energy[s,t]:  grid + green + discharge − Σ busyKWh·x = idle kWh
 *   cap[s,k,t]:   Σ x ≤ pool units
 *   renew[s,t]:   green + charge ≤ renewable kWh (only with storage; otherwise a column bound)
 *   soc[s,t]:     S_t − S_{t−1} − eff·charge + discharge = 0
 *   green target: Σ(green + discharge) − target·Σ busyKWh·x + shortfall ≥ target · Σ idle
 */
export interface EnergyBlock {
  energyRow: Int32Array;
  capRow: Int32Array;
  /** storage rows by site * T + t (−1 at sites without storage): renewables split and state of charge */
  renewRow: Int32Array;
  socRow: Int32Array;
  greenRow: number;
  target: number;
  /** columns for reading the solution back: [gridCol, greenCol, chargeCol] per site-slot (−1 when absent) */
  gridCol: Int32Array;
  greenCol: Int32Array;
  chargeCol: Int32Array;
  /** the block's rows and columns are the first numRows rows and numCols columns of the model */
  numRows: number;
  numCols: number;
  /** per block column: an upper bound implied by the rows (∞ when the column bound is already finite) */
  impliedUpper: Float64Array;
}

export const INF = Number.POSITIVE_INFINITY;

export function addEnergyBlock(b: LpBuilder, ix: PlanIndex, shortfallPenalty: number): EnergyBlock {
  const s = ix.scenario;
  const { T } = ix;
  const nS = ix.siteIds.length;
  const nK = ix.types.length;
  const target = s.greenShareTarget ?? 0;
  const energyRow = new Int32Array(nS * T);
  const capRow = new Int32Array(nS * nK * T).fill(-1);
  const gridCol = new Int32Array(nS * T).fill(-1);
  const greenCol = new Int32Array(nS * T).fill(-1);
  const chargeCol = new Int32Array(nS * T).fill(-1);
  const renewRow = new Int32Array(nS * T).fill(-1);
  const socRow = new Int32Array(nS * T).fill(-1);
  let idleTotal = 0;
  for (let i = 0; i < nS * T; i++) { energyRow[i] = b.addRow(ix.idleKWh[i]!, ix.idleKWh[i]!); idleTotal += ix.idleKWh[i]!; }
  for (let si = 0; si < nS; si++) for (let k = 0; k < nK; k++) {
    const units = ix.poolUnits[si * nK + k]!;
    if (units <= 0) continue;
    for (let t = 0; t < T; t++) capRow[(si * nK + k) * T + t] = b.addRow(-INF, units);
  }
  const greenRow = target > 0 ? b.addRow(target * idleTotal, INF) : -1;
  // Finite upper bounds implied by the rows (grid ≤ the most a site can draw, green ≤ renewables) keep the
  // Lagrangian bound (lagrange.ts) finite for any multipliers. They stay out of the model itself: HiGHS
  // solves the aggregated LP several times slower with them.
  const maxLoad = new Float64Array(nS * T);
  let maxLoadTotal = 0;
  const implied = new Map<number, number>();
  for (let si = 0; si < nS; si++) {
    let busy = 0;
    for (let k = 0; k < nK; k++) busy += ix.poolUnits[si * nK + k]! * ix.busyKWh[si * nK + k]!;
    for (let t = 0; t < T; t++) { maxLoad[si * T + t] = ix.idleKWh[si * T + t]! + busy; maxLoadTotal += maxLoad[si * T + t]!; }
  }
  const withGreen = (rows: number[], coefs: number[], c: number) => { if (greenRow >= 0) { rows.push(greenRow); coefs.push(c); } };
  s.sites.forEach((site, si) => {
    const h = ix.slotHours;
    const st = site.storage && site.storage.kWh > 0 && site.storage.kW > 0 ? site.storage : undefined;
    const renewRows: number[] = [];
    const socRows: number[] = [];
    if (st) for (let t = 0; t < T; t++) {
      const renew = b.addRow(-INF, ix.renewKWh[si * T + t]!), soc = b.addRow(0, 0);
      renewRows.push(renew); socRows.push(soc);
      renewRow[si * T + t] = renew; socRow[si * T + t] = soc;
    }
    for (let t = 0; t < T; t++) {
      const i = si * T + t;
      const er = energyRow[i]!;
      gridCol[i] = b.addCol(ix.gridEffFen[i]!, 0, INF, [er], [1]);
      implied.set(gridCol[i]!, maxLoad[i]!);
      const renew = ix.renewKWh[i]!;
      if (renew > 0 || st) {
        const rows = [er], coefs = [1];
        withGreen(rows, coefs, 1);
        if (st) { rows.push(renewRows[t]!); coefs.push(1); }
        greenCol[i] = b.addCol(ix.renewFen[si]!, 0, st ? INF : renew, rows, coefs);
        implied.set(greenCol[i]!, renew);
      }
      if (st) {
        chargeCol[i] = b.addCol(ix.renewFen[si]!, 0, st.kW * h, [renewRows[t]!, socRows[t]!], [1, -st.efficiency]);
        const dr = [er, socRows[t]!], dc = [1, 1];
        withGreen(dr, dc, 1);
        b.addCol(0, 0, st.kW * h, dr, dc);
        const sr = [socRows[t]!], sc = [1];
        if (t + 1 < T) { sr.push(socRows[t + 1]!); sc.push(-1); }
        b.addCol(0, 0, st.kWh, sr, sc);
      }
    }
  });
  if (greenRow >= 0) implied.set(b.addCol(shortfallPenalty, 0, INF, [greenRow], [1]), target * maxLoadTotal);
  const impliedUpper = new Float64Array(b.numCols).fill(INF);
  for (const [c, v] of implied) impliedUpper[c] = v;
  return { energyRow, capRow, renewRow, socRow, greenRow, target, gridCol, greenCol, chargeCol, numRows: b.numRows, numCols: b.numCols, impliedUpper };
}

/** Rows and columns of the energy block alone, and the block itself on a model of its own. */
export function energyBlockModel(ix: PlanIndex, shortfallPenalty: number): { eb: EnergyBlock; model: LpModel } {
  const b = new LpBuilder();
  const eb = addEnergyBlock(b, ix, shortfallPenalty);
  return { eb, model: b.build() };
}

/**
 * Rows and coefficients a work column (unit-slots of `type` at site-slot) joins: it holds `units` of
 * capacity for the whole slot and draws energy for the `fraction` of the slot it runs.
 */
export function workEntries(
  eb: EnergyBlock, ix: PlanIndex, site: number, type: number, t: number, units: number, rows: number[], coefs: number[], fraction = 1,
): void {
  const nK = ix.types.length;
  const k = ix.busyKWh[site * nK + type]! * fraction;
  rows.push(eb.capRow[(site * nK + type) * ix.T + t]!); coefs.push(units);
  rows.push(eb.energyRow[site * ix.T + t]!); coefs.push(-k * units);
  if (eb.greenRow >= 0) { rows.push(eb.greenRow); coefs.push(-eb.target * k * units); }
}

/** Energy cost and carbon of an LP solution (for the reported lower bound). */
export function energyTotals(eb: EnergyBlock, ix: PlanIndex, x: Float64Array): { costFen: number; carbonKg: number } {
  const s = ix.scenario;
  let costFen = 0, carbonKg = 0;
  s.sites.forEach((site, si) => {
    for (let t = 0; t < ix.T; t++) {
      const i = si * ix.T + t;
      const grid = x[eb.gridCol[i]!] ?? 0;
      const green = eb.greenCol[i]! >= 0 ? x[eb.greenCol[i]!]! : 0;
      const charge = eb.chargeCol[i]! >= 0 ? x[eb.chargeCol[i]!]! : 0;
      costFen += grid * (site.grid.fenPerKWh[t] ?? 0) + (green + charge) * ix.renewFen[si]!;
      carbonKg += (grid * (site.grid.carbonGPerKWh[t] ?? 0)) / 1000;
    }
  });
  return { costFen, carbonKg };
}
