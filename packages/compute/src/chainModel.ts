import { addEnergyBlock, INF, workEntries, type EnergyBlock } from './energyBlock.ts';
import { GREEN_SHORTFALL_PENALTY_FEN_PER_KWH, UNSERVED_PENALTY_FEN_PER_UNIT_HOUR } from './evaluate.ts';
import { LpBuilder, type LpModel } from './lp.ts';
import type { PlanIndex, SiteOption } from './planIndex.ts';

/** Jobs that the LP cannot tell apart: same type, release, deadline, sites, entry slots and transfer per unit. */
export interface JobClass {
  jobs: number[];
  work: number;
  deadline: number;
  type: number;
  /** options of the first job; identical for all by construction (transfer per unit-slot equal) */
  options: SiteOption[];
  transferPerUnit: number[];
  /** column of a[c,o] per option */
  entryCol: number[];
  /** what the class's jobs share apart from their deadline: type, release, and per option site, entry slot and transfer per unit */
  signature: string;
  /** set on a class of rigid jobs all `length` slots long (splitRigidByLength): it feeds rigid-block chains */
  length?: number;
}

/**
 * Work of one type with one deadline at one site, flowing through slots until done. A rigid-block chain
 * (`length` set) carries units waiting to start instead; each start runs one unit for `length` slots.
 */
export interface Chain {
  site: number;
  type: number;
  deadline: number;
  start: number;
  /** column of x[t] for t in [start, deadline): units running there */
  xCol: number[];
  length?: number;
}

export interface ChainModel {
  model: LpModel;
  eb: EnergyBlock;
  classes: JobClass[];
  chains: Map<string, Chain>;
  /** slots per deadline bucket: a chain carries the work of every deadline in (bucket end − width, bucket end] */
  deadlineBucket: number;
}

/**
 * The chain deadline of a class: its deadline rounded up to the end of its bucket (capped at the horizon).
 * Rounding up only lets the LP run work later than the job may, so the bucketed LP relaxes the
 * unbucketed one; rounding and repair still place each job inside its own window.
 */
export function bucketDeadline(deadline: number, width: number, horizon: number): number {
  return width <= 1 ? deadline : Math.min(horizon, Math.ceil(deadline / width) * width);
}

/** Rows and columns of a model (HiGHS' time grows with both: the rows set the size of its basis). */
export interface ModelSize { rows: number; cols: number }

/**
 * Rows and columns of buildChainModel(ix, mergeByBucket(ix, classes, width), width), counted without
 * building it: the energy block's (`energy`, fixed for the index) plus per chain a node row and a work
 * and a carry column per slot, plus per merged class a demand row, an unserved column and an entry per option.
 */
export function chainModelSize(ix: PlanIndex, classes: readonly JobClass[], width: number, energy: ModelSize): ModelSize {
  const start = new Map<string, { start: number; deadline: number; length: number }>();
  const merged = new Map<string, number>();
  for (const c of classes) {
    const dl = bucketDeadline(c.deadline, width, ix.T);
    merged.set(mergeKey(dl, c), c.options.length);
    for (const o of c.options) {
      const key = chainKey(c.type, dl, o.site, c.length);
      const at = start.get(key);
      start.set(key, { start: Math.min(at?.start ?? Infinity, o.firstSlot), deadline: dl, length: c.length ?? 0 });
    }
  }
  let rows = energy.rows + merged.size, cols = energy.cols;
  for (const options of merged.values()) cols += 1 + options;
  for (const ch of start.values()) {
    const len = ch.deadline - ch.start;
    if (!ch.length) { rows += len; cols += 2 * len - 1; continue; }
    // flow rows and running columns over the whole chain; start nodes, starts and carries up to the last start
    const starts = Math.max(0, len - ch.length + 1);
    rows += len + starts;
    cols += len + 2 * starts - 1;
  }
  return { rows, cols };
}

/**
 * Deadline bucket width (slots) that brings the chain LP's rows plus columns to at most `targetSize`
 * (1 when it already fits); when even one bucket for the whole horizon (or of `maxWidth`) does not fit, that widest width.
 * Rows count as much as columns: at 15-minute slots the model's rows (energy block, chain nodes) are
 * two thirds of its columns, and a budget on columns alone let a model through that HiGHS could not
 * solve in its share (the bench's medium scenario: 71,892 columns and 45,975 rows).
 */
export function bucketFor(ix: PlanIndex, classes: readonly JobClass[], targetSize: number, energy: ModelSize, maxWidth = Infinity): number {
  const size = (w: number) => { const m = chainModelSize(ix, classes, w, energy); return m.rows + m.cols; };
  let w = 1;
  while (w < ix.T && w < maxWidth && size(w) > targetSize) w *= 2;
  return w;
}

/**
 * Classes whose deadlines fall in one bucket merged into one: in the bucketed LP they feed the same
 * chains through the same entry columns, so one demand row for their summed work gives the same LP with
 * fewer columns (each job still keeps its own deadline in rounding and in the bound). Width 1 merges nothing.
 */
export function mergeByBucket(ix: PlanIndex, classes: readonly JobClass[], width: number): JobClass[] {
  if (width <= 1) return [...classes];
  const byKey = new Map<string, JobClass>();
  for (const c of classes) {
    const deadline = bucketDeadline(c.deadline, width, ix.T);
    const key = mergeKey(deadline, c);
    const m = byKey.get(key);
    if (!m) byKey.set(key, { ...c, jobs: [...c.jobs], deadline, entryCol: [] });
    else { m.jobs.push(...c.jobs); m.work += c.work; }
  }
  return [...byKey.values()];
}

const chainKey = (type: number, deadline: number, site: number, length?: number) => `${type}|${deadline}|${site}${length ? `|L${length}` : ''}`;
/** Classes with one key are one class of the LP at that deadline bucket (mergeByBucket; counted by bucketFor). */
const mergeKey = (bucketedDeadline: number, c: JobClass) => `${bucketedDeadline}|${c.signature}`;

export function classify(ix: PlanIndex): JobClass[] {
  const byKey = new Map<string, JobClass>();
  for (const info of ix.jobs) {
    const per = info.options.map((o) => o.transferFen / info.work);
    const signature = `${info.type}|${info.job.release}|` + info.options.map((o, i) => `${o.site}:${o.firstSlot}:${per[i]!.toPrecision(9)}`).join(',');
    const key = `${info.job.deadline}|${signature}`;
    let c = byKey.get(key);
    if (!c) {
      c = { jobs: [], work: 0, deadline: info.job.deadline, type: info.type, options: info.options, transferPerUnit: per, entryCol: [], signature };
      byKey.set(key, c);
    }
    c.jobs.push(info.index);
    c.work += info.work;
  }
  return [...byKey.values()];
}

/**
 * Each class's rigid jobs split off into classes of one length (slots) each, for rigid-block chains: a
 * pooled chain lets a rigid job's work run in whichever slots are cheapest, a block chain only in
 * `length` consecutive slots from a start, as the job must. On the bench's small scenario (hourly) the
 * job-level LP is 1,559 ¥, 1,499 ¥ with its rigid jobs made malleable and 1,485 ¥ with every job
 * divisible, about the pooled chain LP's value: contiguity is most of what the pooling loses.
 */
export function splitRigidByLength(ix: PlanIndex, classes: readonly JobClass[], blockHours?: readonly number[]): JobClass[] {
  // Block lengths in slots, longest first; a job takes the longest block no longer than itself.
  const blocks = blockHours ? [...new Set(blockHours.map((h) => Math.max(1, Math.round(h / ix.slotHours))))].sort((a, b) => b - a) : null;
  const blockOf = (slots: number) => (blocks ? blocks.find((l) => l <= slots) : slots);
  const out: JobClass[] = [];
  for (const c of classes) {
    const byLength = new Map<number, JobClass>();
    const rest: number[] = [];
    for (const j of c.jobs) {
      const info = ix.jobs[j]!;
      const L = info.job.flex === 'rigid' ? blockOf(info.slots) : undefined;
      if (L === undefined || L <= 1) { rest.push(j); continue; }
      let part = byLength.get(L);
      if (!part) byLength.set(L, (part = { ...c, jobs: [], work: 0, entryCol: [], signature: `${c.signature}|L${L}`, length: L }));
      part.jobs.push(j);
      part.work += info.work;
    }
    if (rest.length) out.push({ ...c, jobs: rest, work: rest.reduce((n, j) => n + ix.jobs[j]!.work, 0), entryCol: [] });
    out.push(...byLength.values());
  }
  return out;
}

/**
 * The `count` rigid job lengths (hours, at least two slots) carrying the most rigid work, longest first
 * on a tie: the block lengths splitRigidByLength is given. A long rigid job is the one a pooled chain
 * misprices most (it cannot dodge a day's dear hours); a block chain per length costs about as much
 * LP as the pooled chains of its type, so only the weightiest lengths get one.
 */
export function rigidBlockHours(ix: PlanIndex, count: number): number[] {
  const work = new Map<number, number>();
  for (const info of ix.jobs) if (info.job.flex === 'rigid' && info.slots >= 2) work.set(info.slots, (work.get(info.slots) ?? 0) + info.work);
  return [...work].sort((a, b) => b[1] - a[1] || b[0] - a[0]).slice(0, count).map(([slots]) => slots * ix.slotHours);
}

/**
 * Aggregated LP relaxation (size independent of the number of jobs): each class splits its work over
 * sites (entering at release + transfer delay); per (type, deadline, site) a chain carries not-yet-done
 * work from slot to slot and must be empty at the deadline. Per-slot size limits, single-site and
 * contiguity rules and the once-per-region transfer charge are relaxed — except that classes split by
 * splitRigidByLength (`length` set) run on rigid-block chains in consecutive slots, and with `rateCaps`
 * each chain's work per slot is capped by its jobs' per-slot sizes (chainRateCaps).
 */
export function buildChainModel(ix: PlanIndex, classes: JobClass[], deadlineBucket = 1, opts: { rateCaps?: boolean } = {}): ChainModel {
  const b = new LpBuilder();
  const eb = addEnergyBlock(b, ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const nK = ix.types.length;
  const chains = new Map<string, Chain>();
  const chainDeadline = (c: JobClass) => bucketDeadline(c.deadline, deadlineBucket, ix.T);
  for (const c of classes) for (const o of c.options) {
    const key = chainKey(c.type, chainDeadline(c), o.site, c.length);
    const ch = chains.get(key);
    if (!ch) chains.set(key, { site: o.site, type: c.type, deadline: chainDeadline(c), start: o.firstSlot, xCol: [], ...(c.length ? { length: c.length } : {}) });
    else ch.start = Math.min(ch.start, o.firstSlot);
  }
  // Chains mix jobs that run different fractions of their unit-slots; each chain draws its jobs' mean
  // (weighted by work). That makes this LP a guide for rounding rather than a relaxation: the reported
  // bound is the Lagrangian one (lagrange.ts), which prices every job's exact fractions.
  // A rigid-block chain's fraction is its jobs' mean last-slot fraction (their other slots run in full).
  const fillSum = new Map<string, { fill: number; work: number }>();
  for (const c of classes) {
    const f = c.jobs.reduce((n, j) => n + (c.length ? ix.jobs[j]!.tail : ix.jobs[j]!.fill) * ix.jobs[j]!.work, 0);
    for (const o of c.options) {
      const key = chainKey(c.type, chainDeadline(c), o.site, c.length);
      const acc = fillSum.get(key) ?? { fill: 0, work: 0 };
      acc.fill += f; acc.work += c.work;
      fillSum.set(key, acc);
    }
  }
  // Node rows: work (units, in a rigid-block chain) waiting at each slot; a rigid-block chain's last start is `length` slots before its deadline.
  const nodeRow = new Map<string, number[]>();
  for (const [key, ch] of chains) {
    const rows: number[] = [];
    for (let t = ch.start; t < ch.deadline - (ch.length ?? 1) + 1; t++) rows.push(b.addRow(0, 0));
    nodeRow.set(key, rows);
  }
  const caps = opts.rateCaps ? chainRateCaps(ix, classes, chains, chainDeadline) : null;
  const penalty = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  for (const c of classes) {
    const demand = b.addRow(c.work, c.work);
    b.addCol(penalty, 0, INF, [demand], [1]);
    // A rigid-block class enters as unit-starts, each `length` unit-slots of its work.
    const per = c.length ?? 1;
    c.options.forEach((o, i) => {
      const key = chainKey(c.type, chainDeadline(c), o.site, c.length);
      const ch = chains.get(key)!;
      const node = nodeRow.get(key)![o.firstSlot - ch.start]!;
      c.entryCol.push(b.addCol(c.transferPerUnit[i]! * per, 0, INF, [demand, node], [per, -1]));
    });
  }
  for (const [key, ch] of chains) {
    const rows = nodeRow.get(key)!;
    const units = ix.poolUnits[ch.site * nK + ch.type]!;
    const acc = fillSum.get(key)!;
    const fraction = acc.work > 0 ? acc.fill / acc.work : 1;
    if (ch.length) {
      addRigidBlocks(b, eb, ix, ch, rows, units, fraction, caps?.get(key));
      continue;
    }
    for (let t = ch.start; t < ch.deadline; t++) {
      const r = [rows[t - ch.start]!], cf = [1];
      workEntries(eb, ix, ch.site, ch.type, t, 1, r, cf, fraction);
      ch.xCol.push(b.addCol(0, 0, Math.min(units, caps?.get(key)?.[t - ch.start] ?? Infinity), r, cf));
      if (t + 1 < ch.deadline) b.addCol(0, 0, INF, [rows[t - ch.start]!, rows[t + 1 - ch.start]!], [1, -1]);
    }
  }
  return { model: b.build(), eb, classes, chains, deadlineBucket };
}

/**
 * A rigid-block chain's columns: per slot a carry of waiting units and a start s[τ] (one unit for
 * `length` slots), and the units running r[t] on the shared site-slot rows, tied by flow rows
 * r[t] − r[t−1] = s[t] − s[t−length] (the running sum of the starts, as the job-level model's addRigidFlow).
 * A start takes back the part of its last slot's energy its jobs do not run (`tail`, their mean).
 */
function addRigidBlocks(b: LpBuilder, eb: EnergyBlock, ix: PlanIndex, ch: Chain, node: number[], units: number, tail: number, cap?: Float64Array): void {
  const L = ch.length!, len = ch.deadline - ch.start;
  const flow: number[] = [];
  for (let i = 0; i < len; i++) flow.push(b.addRow(0, 0));
  for (let i = 0; i < node.length; i++) {
    if (i + 1 < node.length) b.addCol(0, 0, INF, [node[i]!, node[i + 1]!], [1, -1]);
    const rows = [node[i]!, flow[i]!], coefs = [1, -1];
    if (i + L < len) { rows.push(flow[i + L]!); coefs.push(1); }
    if (tail < 1) {
      const r: number[] = [], c: number[] = [];
      const last = ch.start + i + L - 1;
      workEntries(eb, ix, ch.site, ch.type, last, 1, r, c, 1 - tail);
      const capRow = eb.capRow[(ch.site * ix.types.length + ch.type) * ix.T + last];
      r.forEach((row, k) => { if (row !== capRow) { rows.push(row); coefs.push(-c[k]!); } });
    }
    b.addCol(0, 0, INF, rows, coefs);
  }
  for (let i = 0; i < len; i++) {
    const rows = [flow[i]!], coefs = [1];
    if (i + 1 < len) { rows.push(flow[i + 1]!); coefs.push(-1); }
    workEntries(eb, ix, ch.site, ch.type, ch.start + i, 1, rows, coefs, 1);
    ch.xCol.push(b.addCol(0, 0, Math.min(units, cap?.[i] ?? Infinity), rows, coefs));
  }
}

/**
 * Per chain and slot, the most units its jobs can run there together: each rigid or malleable job at
 * most its own units per slot, and only between its entry slot at the chain's site and its own deadline
 * (not the bucket's); a divisible job is capped only by the pool. Any plan's work on a chain's site,
 * type and slot from the chain's jobs fits under this, so capping the chain's work column by it keeps
 * the LP a relaxation of the job-level one while forbidding what the pooled chain allowed: jobs' work
 * piled into the few cheapest slots of their windows beyond the rate each job can run. Alone it barely
 * binds (medium hourly LP 12,243 → 12,249 ¥: a pooled chain's many jobs sum to more than its pool); beside
 * rigid blocks L at the duals 12,530 → 12,572 ¥ and planAtPrices 12,920 → 12,897 ¥ (bench/planner/lp-curve.ts).
 */
function chainRateCaps(ix: PlanIndex, classes: readonly JobClass[], chains: Map<string, Chain>, chainDeadline: (c: JobClass) => number): Map<string, Float64Array> {
  const nK = ix.types.length;
  const out = new Map<string, Float64Array>();
  for (const c of classes) for (const o of c.options) {
    const key = chainKey(c.type, chainDeadline(c), o.site, c.length);
    const ch = chains.get(key)!;
    let diff = out.get(key);
    if (!diff) { diff = new Float64Array(ch.deadline - ch.start + 1); out.set(key, diff); }
    const pool = ix.poolUnits[o.site * nK + c.type]!;
    for (const j of c.jobs) {
      const info = ix.jobs[j]!;
      // a job in a block shorter than itself may run as more than one block at once: its units × its length over the block's
      const cap = info.job.flex === 'rigid' || info.job.flex === 'malleable' ? Math.min(info.job.units * Math.ceil(info.slots / (c.length ?? info.slots)), pool) : pool;
      const from = Math.max(o.firstSlot, ch.start) - ch.start, to = Math.min(info.job.deadline, ch.deadline) - ch.start;
      if (to <= from) continue;
      diff[from]! += cap;
      diff[to]! -= cap;
    }
  }
  for (const diff of out.values()) for (let i = 1; i < diff.length; i++) diff[i]! += diff[i - 1]!;
  return out;
}

export { chainKey };
