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

/** A row added to a built model: lower ≤ Σ coef · x[col] ≤ upper. */
export interface ExtraRow { lower: number; upper: number; cols: number[]; coefs: number[] }

/** `model` with `rows` appended (the column-wise arrays rebuilt once). */
export function withRows(model: LpModel, rows: readonly ExtraRow[]): LpModel {
  const perCol: { row: number; coef: number }[][] = Array.from({ length: model.numCols }, () => []);
  rows.forEach((r, i) => r.cols.forEach((c, k) => { if (r.coefs[k] !== 0) perCol[c]!.push({ row: model.numRows + i, coef: r.coefs[k]! }); }));
  const extra = perCol.reduce((n, l) => n + l.length, 0);
  const starts = new Int32Array(model.numCols + 1);
  const indices = new Int32Array(model.indices.length + extra);
  const values = new Float64Array(model.values.length + extra);
  let n = 0;
  for (let c = 0; c < model.numCols; c++) {
    starts[c] = n;
    for (let k = model.starts[c]!; k < model.starts[c + 1]!; k++) { indices[n] = model.indices[k]!; values[n++] = model.values[k]!; }
    for (const e of perCol[c]!) { indices[n] = e.row; values[n++] = e.coef; }
  }
  starts[model.numCols] = n;
  const grow = (a: Float64Array, f: (r: ExtraRow) => number) => { const b = new Float64Array(a.length + rows.length); b.set(a); rows.forEach((r, i) => { b[a.length + i] = f(r); }); return b; };
  return {
    ...model, numRows: model.numRows + rows.length, starts, indices, values,
    rowLower: grow(model.rowLower, (r) => r.lower), rowUpper: grow(model.rowUpper, (r) => r.upper),
  };
}
