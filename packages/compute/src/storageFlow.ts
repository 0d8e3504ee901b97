/**
 * Cost-optimal storage dispatch for one site as a min-cost flow (successive shortest paths).
 *
 * Start from the storage-free dispatch (renewables first where not dearer than the grid) and let stored
 * energy flow forward in time. Flow is measured in stored kWh. Charging at t draws from the renewable
 * surplus (renewable price / efficiency per stored kWh) and then from renewables that would have fed the
 * load (the grid replaces them: grid price / efficiency); discharging at t' first replaces grid energy
 * (saves its price) and then direct renewables (saves the renewable price). State of charge ≤ kWh between
 * slots, charge and discharge ≤ kW × h per slot, storage starts empty. Both tiers are convex, so this is
 * the same optimum as the planner LP's storage block for the same load (simultaneous charge and
 * discharge in one slot never pays).
 */

export interface StorageInput {
  T: number;
  load: ArrayLike<number>;
  renew: ArrayLike<number>;
  /** objective price of one grid kWh per slot (tariff + carbon price × intensity) */
  gridEff: ArrayLike<number>;
  renewFen: number;
  kWh: number;
  /** max charge or discharge energy per slot (kW × slot hours) */
  perSlotKWh: number;
  efficiency: number;
}

export interface StorageDispatch {
  /** renewable kWh feeding the load directly, per slot */
  green: Float64Array;
  /** kWh drawn from renewables into storage, per slot */
  charge: Float64Array;
  /** kWh delivered from storage to the load, per slot */
  discharge: Float64Array;
  grid: Float64Array;
}

const EPS = 1e-9;

class Graph {
  head: number[];
  to: number[] = [];
  cap: number[] = [];
  cost: number[] = [];
  next: number[] = [];
  constructor(n: number) { this.head = new Array<number>(n).fill(-1); }
  /** returns the index of the forward arc; its residual twin is index ^ 1 */
  add(u: number, v: number, cap: number, cost: number): number {
    const e = this.to.length;
    this.to.push(v); this.cap.push(cap); this.cost.push(cost); this.next.push(this.head[u]!); this.head[u] = e;
    this.to.push(u); this.cap.push(0); this.cost.push(-cost); this.next.push(this.head[v]!); this.head[v] = e + 1;
    return e;
  }
}

/** Storage-free dispatch: renewables feed the load where they are not dearer than the grid. */
export function directGreen(load: number, renew: number, gridEff: number, renewFen: number): number {
  return renewFen <= gridEff ? Math.min(load, renew) : 0;
}

// The flow's nodes: 0 source, 1 sink, then per slot: charge hub, state, discharge hub.
const S = 0, K = 1, C = (t: number) => 2 + 3 * t, X = (t: number) => 3 + 3 * t, D = (t: number) => 4 + 3 * t;

/** The storage-free dispatch and, with storage, the min-cost flow on top of it (arcs by slot: -1 where absent). */
function solveFlow(x: StorageInput): { out: StorageDispatch; g: Graph | null; arcS: number[]; arcA: number[]; arcB: number[]; arc1: number[]; arc2: number[] } {
  const { T, efficiency: eff } = x;
  const green = new Float64Array(T), charge = new Float64Array(T), discharge = new Float64Array(T), grid = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const l = Math.max(0, x.load[t] ?? 0);
    green[t] = directGreen(l, x.renew[t] ?? 0, x.gridEff[t] ?? 0, x.renewFen);
    grid[t] = l - green[t]!;
  }
  if (x.kWh <= 0 || x.perSlotKWh <= 0 || T === 0) return { out: { green, charge, discharge, grid }, g: null, arcS: [], arcA: [], arcB: [], arc1: [], arc2: [] };

  const g = new Graph(2 + 3 * T);
  const arcS: number[] = [], arcA: number[] = [], arcB: number[] = [], arc1: number[] = [], arc2: number[] = [];
  for (let t = 0; t < T; t++) {
    const p = x.gridEff[t] ?? 0;
    const surplus = Math.max(0, (x.renew[t] ?? 0) - green[t]!);
    arcS.push(g.add(S, C(t), eff * x.perSlotKWh, 0));
    arcA.push(surplus > EPS ? g.add(C(t), X(t), eff * surplus, x.renewFen / eff) : -1);
    arcB.push(green[t]! > EPS ? g.add(C(t), X(t), eff * green[t]!, p / eff) : -1);
    if (t + 1 < T) g.add(X(t), X(t + 1), x.kWh, 0);
    g.add(X(t), D(t), x.perSlotKWh, 0);
    arc1.push(grid[t]! > EPS ? g.add(D(t), K, grid[t]!, -p) : -1);
    arc2.push(green[t]! > EPS ? g.add(D(t), K, green[t]!, -x.renewFen) : -1);
  }
  const n = g.head.length;
  const dist = new Float64Array(n), prevArc = new Int32Array(n), inQueue = new Uint8Array(n);
  const queue: number[] = [];
  for (;;) {
    // Bellman-Ford with a FIFO queue; the residual graph never has a negative cycle under SSP
    dist.fill(Infinity); prevArc.fill(-1);
    dist[S] = 0; queue.length = 0; queue.push(S); inQueue.fill(0); inQueue[S] = 1;
    for (let qi = 0; qi < queue.length; qi++) {
      const u = queue[qi]!;
      inQueue[u] = 0;
      for (let e = g.head[u]!; e >= 0; e = g.next[e]!) {
        if (g.cap[e]! <= EPS) continue;
        const v = g.to[e]!;
        const nd = dist[u]! + g.cost[e]!;
        if (nd < dist[v]! - 1e-12) {
          dist[v] = nd; prevArc[v] = e;
          if (!inQueue[v]) { inQueue[v] = 1; queue.push(v); }
        }
      }
    }
    if (!(dist[K]! < -1e-9)) break;
    let push = Infinity;
    for (let v = K; v !== S; v = g.to[prevArc[v]! ^ 1]!) push = Math.min(push, g.cap[prevArc[v]!]!);
    if (!(push > EPS)) break;
    for (let v = K; v !== S; v = g.to[prevArc[v]! ^ 1]!) { g.cap[prevArc[v]!]! -= push; g.cap[prevArc[v]! ^ 1]! += push; }
  }
  return { out: { green, charge, discharge, grid }, g, arcS, arcA, arcB, arc1, arc2 };
}

export function dispatchStorage(x: StorageInput): StorageDispatch {
  const f = solveFlow(x);
  const { T, efficiency: eff } = x;
  const { green, charge, discharge, grid } = f.out;
  if (!f.g) return f.out;
  const g = f.g;
  const { arcA, arcB, arc1, arc2 } = f;
  const used = (e: number) => (e < 0 ? 0 : g.cap[e ^ 1]!);
  for (let t = 0; t < T; t++) {
    const a = used(arcA[t]!), b = used(arcB[t]!), d1 = used(arc1[t]!), d2 = used(arc2[t]!);
    charge[t] = (a + b) / eff;
    discharge[t] = d1 + d2;
    green[t] = Math.max(0, green[t]! - b / eff - d2);
    grid[t] = Math.max(0, (x.load[t] ?? 0) - green[t]! - discharge[t]!);
  }
  return { green, charge, discharge, grid };
}

/**
 * Each slot's price (fen) of one more kWh of load, storage re-dispatched: the optimal dispatch's rate of
 * change in the load at that slot. One more kWh at t comes from the grid (price p) or, within the
 * renewable surplus, from renewables (their price), and changes the capacities of t's arcs; each change
 * is priced by the cheapest residual cycle through the arc, from shortest distances out of the source and
 * sink (one node, since the flow's size is free): more grid to displace at t is worth storage reaching t
 * for less than p; less surplus to charge at t costs the stored kWh's cheapest replacement. Exact away
 * from kinks; at a kink it is the side of more load.
 */
export function loadPrices(x: StorageInput): Float64Array {
  const { T, efficiency: eff } = x;
  const out = new Float64Array(T);
  const f = solveFlow(x);
  const g = f.g ?? new Graph(2 + 3 * T);
  const n = g.head.length;
  const d = new Float64Array(n).fill(Infinity), inQueue = new Uint8Array(n);
  d[S] = 0; d[K] = 0; inQueue[S] = 1; inQueue[K] = 1;
  const queue: number[] = [S, K];
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi]!;
    inQueue[u] = 0;
    for (let e = g.head[u]!; e >= 0; e = g.next[e]!) {
      if (g.cap[e]! <= EPS) continue;
      const v = g.to[e]!, nd = d[u]! + g.cost[e]!;
      if (v !== S && v !== K && nd < d[v]! - 1e-12) { d[v] = nd; if (!inQueue[v]) { inQueue[v] = 1; queue.push(v); } }
    }
  }
  const residual = (e: number) => e >= 0 && g.cap[e]! > EPS;
  for (let t = 0; t < T; t++) {
    const l = Math.max(0, x.load[t] ?? 0), p = x.gridEff[t] ?? 0, renew = x.renew[t] ?? 0;
    // Stored energy delivered at t for less than what it displaces there (grid or direct renewables).
    const viaStorage = (displaced: number) => Math.min(0, d[D(t)]! - displaced);
    if (x.renewFen <= p && l < renew - EPS) {
      let price = x.renewFen + viaStorage(x.renewFen);
      const a = f.arcA[t]!;
      if (a >= 0 && !residual(a)) {
        // The surplus arc is full: a kWh less to store is replaced by the next cheapest way into X(t) —
        // renewables the load would have taken, the grid standing in (the diverted-green arc grows with the load), or another slot's.
        // the source arc S → C(t) carries its flow on its twin
        const src = f.arcS[t];
        const alt = Math.min(p / eff, src !== undefined && g.cap[src ^ 1]! > EPS ? d[X(t)]! : Infinity);
        if (Number.isFinite(alt)) price += eff * alt - x.renewFen;
      }
      out[t] = price;
    } else out[t] = p + viaStorage(p);
  }
  return out;
}
