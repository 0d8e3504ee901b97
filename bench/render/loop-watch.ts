// The bench server's view of its own event loop: how late it ran (perf_hooks' delay histogram), the
// stalls (a 20 ms tick that came more than STALL_MS late), and which of the server's periodic jobs
// (timed by wrapping them) or major GCs were under way during each stall. A node's ask → task tail is
// the server's when these stalls line up with it, the fleet's (bench/render/worker.ts reports its own
// loop delay) or the queue's otherwise.
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';

/** Now on the monotonic clock (CLOCK_MONOTONIC, as V8's CPU profiler stamps its samples), in µs. */
const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** A tick later than this is a stall. */
const STALL_MS = 100;
const TICK_MS = 20;

interface Phase {
  calls: number;
  totalMs: number;
  maxMs: number;
  /** Starts of the calls under way, and the last calls' [start, end] (a ring): what overlapped a stall. */
  readonly open: Set<number>;
  readonly recent: [number, number][];
  /** Stalls this phase was under way for at least half of. */
  stalls: number;
  stallMs: number;
}

export interface LoopReport {
  /** Wall time since the last report, and the CPU the process used in it (all its threads). */
  wallMs: number;
  cpuMs: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  stalls: number;
  stallMs: number;
  /** CPU the process used over all stalls: near stallMs they were our own work, far below it the machine's. */
  stallCpuMs: number;
  worstStalls: { atSec: number; ms: number; cpuMs: number; during: string[] }[];
  phases: Record<string, { calls: number; totalMs: number; maxMs: number; stalls: number; stallMs: number }>;
  /** The span reported, on the monotonic clock in µs (V8's CPU profile's clock): the window to cut from --profile's file. */
  fromMonoUs: number;
  toMonoUs: number;
}

export class LoopWatch {
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });
  private readonly phases = new Map<string, Phase>();
  /** `cpuMs`: the process's CPU time over the stall; far below `ms`, the machine ran something else (a busy neighbour), not us. */
  private stalls: { at: number; ms: number; cpuMs: number; during: string[] }[] = [];
  private longGcs: { label: string; start: number; end: number }[] = [];
  private readonly t0 = performance.now();
  private lastTick = performance.now();
  private lastCpu = process.cpuUsage();
  private reportedAt = { wall: performance.now(), cpu: process.cpuUsage(), monoUs: monoUs() };

  constructor() {
    this.delay.enable();
    setInterval(() => this.tick(), TICK_MS).unref();
    // Major GCs (mark-compact) stop the loop too: counted as a phase of their own.
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
        const label = kind === 4 ? 'gc: mark-compact' : kind === 1 ? 'gc: scavenge' : 'gc: other';
        const p = this.phase(label);
        p.calls++;
        p.totalMs += e.duration;
        p.maxMs = Math.max(p.maxMs, e.duration);
        // Attributed to stalls at report time: the observer hears of a GC after the tick that saw the stall.
        if (e.duration >= STALL_MS / 2) this.longGcs.push({ label, start: e.startTime, end: e.startTime + e.duration });
      }
    }).observe({ entryTypes: ['gc'] });
  }

  /** Times every call of `obj[method]` (sync or async) as the phase `label`. */
  wrap<T extends object>(obj: T, method: string, label: string): void {
    const target = obj as Record<string, unknown>;
    const orig = target[method];
    if (typeof orig !== 'function') throw new Error(`loop watch: ${label}: ${method} is not a method`);
    const p = this.phase(label);
    target[method] = function (this: unknown, ...args: unknown[]) {
      const start = performance.now();
      p.open.add(start);
      const end = () => {
        const now = performance.now();
        const ms = now - start;
        p.open.delete(start);
        p.calls++;
        p.totalMs += ms;
        p.maxMs = Math.max(p.maxMs, ms);
        p.recent.push([start, now]);
        if (p.recent.length > 64) p.recent.shift();
      };
      let out: unknown;
      try {
        out = (orig as (...a: unknown[]) => unknown).apply(this, args);
      } catch (err) {
        end();
        throw err;
      }
      if (out instanceof Promise) return out.finally(end);
      end();
      return out;
    };
  }

  private phase(label: string): Phase {
    let p = this.phases.get(label);
    if (!p) this.phases.set(label, (p = { calls: 0, totalMs: 0, maxMs: 0, open: new Set(), recent: [], stalls: 0, stallMs: 0 }));
    return p;
  }

  private tick(): void {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user + cpu.system - this.lastCpu.user - this.lastCpu.system) / 1000;
    this.lastCpu = cpu;
    const late = now - this.lastTick - TICK_MS;
    if (late > STALL_MS) {
      const during: string[] = [];
      const from = this.lastTick + TICK_MS;
      const overlap = (s: number, e: number) => Math.max(0, Math.min(e, now) - Math.max(s, from));
      for (const [label, p] of this.phases) {
        let covered = 0;
        for (const s of p.open) covered += overlap(s, now);
        for (const [s, e] of p.recent) covered += overlap(s, e);
        // Under way for at least half the stall (for an async phase: in flight, which on PGlite blocks).
        if (covered >= late / 2) {
          during.push(label);
          p.stalls++;
          p.stallMs += late;
        }
      }
      this.stalls.push({ at: this.lastTick, ms: late, cpuMs, during });
    }
    this.lastTick = now;
  }

  /** What happened since the last report (or the start); starts counting afresh. */
  report(): LoopReport {
    const ms = (ns: number) => Math.round(ns / 1e6);
    for (const g of this.longGcs) {
      for (const s of this.stalls) {
        if (g.start > s.at + s.ms + TICK_MS || g.end < s.at) continue;
        s.during.push(g.label);
        const p = this.phase(g.label);
        p.stalls++;
        p.stallMs += s.ms;
      }
    }
    this.longGcs = [];
    const phases: LoopReport['phases'] = {};
    for (const [label, p] of this.phases) {
      if (p.calls || p.stalls) phases[label] = { calls: p.calls, totalMs: Math.round(p.totalMs), maxMs: Math.round(p.maxMs), stalls: p.stalls, stallMs: Math.round(p.stallMs) };
      Object.assign(p, { calls: 0, totalMs: 0, maxMs: 0, stalls: 0, stallMs: 0 });
    }
    const cpu = process.cpuUsage();
    const out: LoopReport = {
      wallMs: Math.round(performance.now() - this.reportedAt.wall),
      cpuMs: Math.round((cpu.user + cpu.system - this.reportedAt.cpu.user - this.reportedAt.cpu.system) / 1000),
      delayP50Ms: ms(this.delay.percentile(50)),
      delayP99Ms: ms(this.delay.percentile(99)),
      delayMaxMs: ms(this.delay.max),
      stalls: this.stalls.length,
      stallMs: Math.round(this.stalls.reduce((s, x) => s + x.ms, 0)),
      stallCpuMs: Math.round(this.stalls.reduce((s, x) => s + x.cpuMs, 0)),
      worstStalls: [...this.stalls]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map((s) => ({ atSec: Number(((s.at - this.t0) / 1000).toFixed(1)), ms: Math.round(s.ms), cpuMs: Math.round(s.cpuMs), during: s.during })),
      phases,
      fromMonoUs: this.reportedAt.monoUs,
      toMonoUs: monoUs(),
    };
    this.delay.reset();
    this.reportedAt = { wall: performance.now(), cpu, monoUs: out.toMonoUs };
    this.stalls = [];
    return out;
  }
}
