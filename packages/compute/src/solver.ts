import { Worker } from 'node:worker_threads';
import { SolverError } from './errors.ts';
import type { LpModel } from './lp.ts';

export interface SolveRequest {
  model: LpModel;
  timeLimitSec: number;
  mipRelGap?: number;
  solver?: 'simplex' | 'ipm' | 'choose';
  /** the MIP's LP solver (HiGHS' mip_lp_solver): interior point solves a large root LP several times faster than dual simplex */
  mipLpSolver?: 'simplex' | 'ipm' | 'choose';
  /** HiGHS' mip_heuristic_effort (default 0.05): the share of a MIP's effort spent on primal heuristics */
  mipHeuristicEffort?: number;
  /**
   * HiGHS' run_crossover after interior point ('on' by default): 'off' returns the interior point's own
   * near-central optimum and duals instead of a vertex's
   */
  crossover?: 'on' | 'off';
  /** HiGHS' presolve ('on' by default) */
  presolve?: 'on' | 'off';
  /** return row duals (LP only) */
  duals?: boolean;
  /** MIP start: a full column vector, or some columns' values (HiGHS completes the rest) */
  start?: Float64Array | { indices: Int32Array; values: Float64Array };
  /**
   * Seconds after which the answer is no longer waited for: the worker is terminated (HiGHS cannot be
   * interrupted mid-solve) and a fresh one serves the next request, and the solve fails with status
   * 'hard-time-limit'. WASM HiGHS can overrun `timeLimitSec` by seconds (medium at 15-minute slots: a
   * 12-job site MIP given 1.8 s answered after 3.6 s, taking optimal past its 10 s).
   */
  hardLimitSec?: number;
}

export type SolveResponse =
  | { ok: true; status: number; statusName: string; objective: number; colValue: Float64Array; rowDual: Float64Array; mipDualBound: number; mipGap: number }
  | { ok: false; error: string };

export interface SolveResult {
  statusName: string;
  /** True when HiGHS proved optimality; false for a time-limited incumbent. */
  optimal: boolean;
  objective: number;
  colValue: Float64Array;
  /** row duals (c − Aᵀy convention) when asked for on an LP; empty otherwise */
  rowDual: Float64Array;
  /** a MIP's proven lower bound (HiGHS' mip_dual_bound); NaN for an LP */
  mipDualBound: number;
  /** a MIP's relative gap between incumbent and bound (HiGHS' mip_gap); NaN for an LP */
  mipGap: number;
}

/** A HiGHS session in its own worker thread; solve several models, then `close()`. */
export class HighsWorker {
  private worker: Worker;
  private queue: Promise<unknown> = Promise.resolve();
  /** 1 once the worker has answered the request last sent (set by the worker itself, on shared memory) */
  private answeredFlag = new Int32Array(new SharedArrayBuffer(4));

  constructor() {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./highsWorker.mjs', import.meta.url), { workerData: { answered: this.answeredFlag } });
    w.unref();
    return w;
  }

  solve(req: SolveRequest): Promise<SolveResult> {
    const run = this.queue.then(() => this.solveNow(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private solveNow(req: SolveRequest): Promise<SolveResult> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => { cleanup(); reject(new SolverError('worker-error', `HiGHS worker failed: ${e.message}`, { cause: e })); };
      const timer = req.hardLimitSec === undefined ? undefined : setTimeout(() => {
        cleanup();
        const stuck = this.worker;
        this.worker = this.spawn();
        void stuck.terminate();
        reject(new SolverError('hard-time-limit', `HiGHS did not answer within ${req.hardLimitSec} s (its own limit ${req.timeLimitSec} s): the solve was abandoned`));
      }, req.hardLimitSec * 1000);
      const onMessage = (r: SolveResponse) => {
        cleanup();
        if (!r.ok) return reject(new SolverError('error', `HiGHS failed: ${r.error}`));
        const hasSolution = r.colValue.length === req.model.numCols;
        if (!hasSolution) return reject(new SolverError(r.statusName, `HiGHS ended with status ${r.statusName} and no solution`));
        resolve({ statusName: r.statusName, optimal: r.statusName === 'optimal', objective: r.objective, colValue: r.colValue, rowDual: r.rowDual, mipDualBound: r.mipDualBound, mipGap: r.mipGap });
      };
      const worker = this.worker;
      const cleanup = () => { clearTimeout(timer); worker.off('message', onMessage); worker.off('error', onError); };
      this.worker.on('message', onMessage);
      this.worker.on('error', onError);
      Atomics.store(this.answeredFlag, 0, 0);
      this.worker.postMessage(req);
    });
  }

  /**
   * Whether the solve last sent has been answered, readable in the middle of synchronous work (before the
   * answer's message can be read): a caller building a fallback while HiGHS solves stops when it is.
   */
  answered(): boolean {
    return Atomics.load(this.answeredFlag, 0) === 1;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
