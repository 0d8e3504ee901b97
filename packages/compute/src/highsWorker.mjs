// Runs inside a worker_threads worker so that a long synchronous HiGHS solve never blocks the caller.
// Plain JavaScript on purpose: worker threads do not inherit the tsx loader when started by the tsx CLI.
// Protocol: receives a SolveRequest (solver.ts), replies with a SolveResponse. workerData.answered (an
// Int32Array on shared memory) is set to 1 just before each reply, so a caller busy in synchronous work can see it.
import { parentPort, workerData } from 'node:worker_threads';
import loadHighs from 'highs';

const highsPromise = loadHighs();

function statusName(codes, status) {
  const hit = Object.entries(codes).find(([, v]) => v === status);
  return hit ? hit[0] : `status-${status}`;
}

parentPort.on('message', async (req) => {
  let reply;
  try {
    const highs = await highsPromise;
    const m = req.model;
    const model = highs.createModel({
      numCols: m.numCols, numRows: m.numRows,
      colCost: m.colCost, colLower: m.colLower, colUpper: m.colUpper,
      rowLower: m.rowLower, rowUpper: m.rowUpper,
      matrix: { format: 'csc', numRows: m.numRows, numCols: m.numCols, starts: m.starts, indices: m.indices, values: m.values },
      ...(m.integrality ? { integrality: m.integrality } : {}),
    });
    try {
      const options = { output_flag: false, time_limit: req.timeLimitSec };
      if (m.integrality) options.mip_rel_gap = req.mipRelGap ?? 1e-6;
      if (req.solver) options.solver = req.solver;
      if (req.mipLpSolver && m.integrality) options.mip_lp_solver = req.mipLpSolver;
      if (req.mipHeuristicEffort !== undefined && m.integrality) options.mip_heuristic_effort = req.mipHeuristicEffort;
      if (req.presolve) options.presolve = req.presolve;
      if (req.crossover) options.run_crossover = req.crossover;
      model.options.set(options);
      if (req.start && m.integrality) {
        const start = req.start instanceof Float64Array ? { colValue: req.start } : req.start;
        try { model.setSolution(start); } catch { /* a start is only a hint */ }
      }
      model.run();
      const status = model.getModelStatus();
      const sol = model.getSolution();
      // A MIP's own proven bound and gap (meaningful when it stops at a time limit too).
      const mipInfo = (name) => { try { return Number(model.info.get(name)); } catch { return NaN; } };
      const hasValues = sol.colValue.length === m.numCols && status !== highs.constants.modelStatus.infeasible;
      reply = {
        ok: true, status, statusName: statusName(highs.constants.modelStatus, status),
        objective: hasValues ? model.getObjectiveValue() : NaN,
        colValue: hasValues ? sol.colValue : new Float64Array(0),
        mipDualBound: m.integrality ? mipInfo('mip_dual_bound') : NaN,
        mipGap: m.integrality ? mipInfo('mip_gap') : NaN,
        rowDual: hasValues && req.duals && !m.integrality && sol.rowDual ? Float64Array.from(sol.rowDual) : new Float64Array(0),
      };
    } finally {
      model.dispose();
    }
  } catch (e) {
    reply = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  if (workerData?.answered) Atomics.store(workerData.answered, 0, 1);
  parentPort.postMessage(reply, reply.ok ? [reply.colValue.buffer, reply.rowDual.buffer] : []);
});
