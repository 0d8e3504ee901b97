/** An LP/MIP in the column-wise (CSC) typed-array form that HiGHS' `createModel` takes. */
export interface LpModel {
  numCols: number;
  numRows: number;
  colCost: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  starts: Int32Array;
  indices: Int32Array;
  values: Float64Array;
  /** 1 marks an integer column; absent means all continuous. */
  integrality?: Int32Array;
}

class Grow {
  a: Float64Array;
  n = 0;
  constructor(cap = 1024) { this.a = new Float64Array(cap); }
  push(v: number): void {
    if (this.n === this.a.length) { const b = new Float64Array(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
  done(): Float64Array { return this.a.slice(0, this.n); }
}

/** Builds a model row bounds first, then columns with their entries, straight into typed arrays. */
export class LpBuilder {
  private rowLo = new Grow();
  private rowHi = new Grow();
  private cost = new Grow();
  private lo = new Grow();
  private hi = new Grow();
  private starts = new Grow();
  private idx = new Grow();
  private val = new Grow();
  private integer = new Grow();
  private anyInteger = false;

  get numRows(): number { return this.rowLo.n; }
  get numCols(): number { return this.cost.n; }

  addRow(lower: number, upper: number): number {
    this.rowLo.push(lower);
    this.rowHi.push(upper);
    return this.rowLo.n - 1;
  }

  /** Rows must already exist; a row may appear once per column. */
  addCol(cost: number, lower: number, upper: number, rows: readonly number[], coefs: readonly number[], integer = false): number {
    this.starts.push(this.idx.n);
    for (let i = 0; i < rows.length; i++) {
      const c = coefs[i]!;
      if (c === 0) continue;
      this.idx.push(rows[i]!);
      this.val.push(c);
    }
    this.cost.push(cost);
    this.lo.push(lower);
    this.hi.push(upper);
    this.integer.push(integer ? 1 : 0);
    if (integer) this.anyInteger = true;
    return this.cost.n - 1;
  }

  build(withIntegrality = true): LpModel {
    const starts = new Int32Array(this.cost.n + 1);
    starts.set(this.starts.done());
    starts[this.cost.n] = this.idx.n;
    const model: LpModel = {
      numCols: this.cost.n, numRows: this.rowLo.n,
      colCost: this.cost.done(), colLower: this.lo.done(), colUpper: this.hi.done(),
      rowLower: this.rowLo.done(), rowUpper: this.rowHi.done(),
      starts, indices: Int32Array.from(this.idx.done()), values: this.val.done(),
    };
    if (withIntegrality && this.anyInteger) model.integrality = Int32Array.from(this.integer.done());
    return model;
  }
}
