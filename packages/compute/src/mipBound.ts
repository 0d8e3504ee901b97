import { buildJobModel, jobModelSize } from './jobModel.ts';
import { LP_MAX_COLUMNS } from './optimal.ts';
import { buildIndex } from './planIndex.ts';
import type { Scenario } from './scenario.ts';
import { HighsWorker } from './solver.ts';

/** Share of the time limit beyond which the LP's interior-point solve makes the MIP solve its LPs by interior point as well. */
export const IPM_ROOT_LP_SHARE = 0.2;

export interface ExactBounds {
  /** the job-level model's LP relaxation optimum (fen), null if HiGHS did not prove it in the time */
  lp: number | null;
  mip: MipBound;
}

export interface MipBound {
  /** HiGHS' proven lower bound on the exact job-level MIP (fen), null if it proved none in the time; every integral plan costs at least this */
  objective: number | null;
  /** the best integral plan HiGHS found in the time (fen), if any */
  incumbent: number | null;
  /** HiGHS' relative gap between incumbent and bound */
  gap: number | null;
  status: string;
  columns: number;
  rows: number;
}

/**
 * The job-level LP relaxation, and the exact job-level MIP (the planner's own model: every job's whole placement, the energy, storage
 * and green-share rows) solved by HiGHS under a time limit, for the proven bound it reports. It is a
 * second, independent lower bound beside the LP/Lagrangian one: when the plan is far above the
 * Lagrangian bound but close to this one, the gap was the bound's. Null when the model is too large for
 * the WASM solver.
 */
export async function exactBounds(scenario: Scenario, opts: { timeLimitSec: number; maxColumns?: number }): Promise<ExactBounds | null> {
  const ix = buildIndex(scenario);
  if (jobModelSize(ix) > (opts.maxColumns ?? LP_MAX_COLUMNS)) return null;
  const jm = buildJobModel(ix);
  const worker = new HighsWorker();
  try {
    const { integrality: _drop, ...relaxed } = jm.model;
    // Interior point: on the small scenario at 15-minute slots 17 s where the default dual simplex took 56 s.
    const started = performance.now();
    const lp = await worker.solve({ model: relaxed, timeLimitSec: opts.timeLimitSec, solver: 'ipm' });
    const lpSec = (performance.now() - started) / 1000;
    // The MIP's LPs by interior point too only when its root would otherwise eat the time: it proves the
    // same bound but found no plan serving the work (small hourly, 30 s: 1,506,536 ¥ against 1,572.6 ¥ by simplex).
    const slowRoot = lpSec > opts.timeLimitSec * IPM_ROOT_LP_SHARE;
    const r = await worker.solve({ model: jm.model, timeLimitSec: opts.timeLimitSec, mipRelGap: 1e-6, ...(slowRoot ? { mipLpSolver: 'ipm' as const } : {}) });
    const has = Number.isFinite(r.objective);
    return { lp: lp.optimal ? lp.objective : null, mip: {
      objective: Number.isFinite(r.mipDualBound) ? r.mipDualBound : null, incumbent: has ? r.objective : null, gap: has && Number.isFinite(r.mipGap) ? r.mipGap : null,
      status: r.statusName, columns: jm.model.numCols, rows: jm.model.numRows,
    } };
  } finally {
    await worker.close();
  }
}
