// `npx tsx bench/render/profile-summary.ts <file.cpuprofile> [--from µs --to µs] [--top N]`: where the
// server's CPU went in a window of a V8 CPU profile (the render bench's --profile file; the window is the
// one the bench prints after a phase's event-loop report). Two tables: self time by function, and by
// bucket — the first part of the server (in BUCKETS' order) any frame of a sample's stack names, so
// PGlite's WebAssembly under the batch writer counts as the batch writer's.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stack frame that says which part of the server a sample belongs to, leaf first. */
const BUCKETS: [RegExp, string][] = [
  [/^\(garbage collector\)$/, 'gc'],
  [/^\(idle\)$/, 'idle'],
  [/^\(program\)$/, 'program (V8/native, no JS frame)'],
  [/FarmViews\.overview|^overview$/, 'render: overview'],
  [/BatchWriter\.|render\/persist\.ts/, 'render: batch writer'],
  [/flushSeen|writeSeen/, 'workers: last-seen write'],
  [/lookupBatch|lookForChanges/, 'workers: credential lookups'],
  [/expireLeases/, 'render: lease expiry'],
  [/render\/node-sync\.ts/, 'render: node sync'],
  [/workers\/(hub|registry|sync)/, 'workers: hub/registry'],
  [/http\/sync-turns\.ts/, 'sync lane'],
  [/@electric-sql\/pglite/, 'pglite (other)'],
  [/drizzle-orm/, 'drizzle (other)'],
  [/hono|@hono/, 'http: hono'],
  [/node:_http|node:net|node:stream|node:internal\/http|_http_/, 'http: node core'],
  [/zod/, 'zod'],
];

function bucketOf(frames: CallFrame[]): string {
  for (const [re, name] of BUCKETS) for (const f of frames) if (re.test(f.functionName) || re.test(f.url) || re.test(`${f.url}`.replace(/^.*packages\/server\/src\//, ''))) return name;
  return 'other';
}

const label = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${f.lineNumber + 1}`;

export interface Summary {
  windowMs: number;
  sampledMs: number;
  byBucket: [string, number][];
  bySelf: [string, number][];
}

/** Self time by function and time by bucket over [fromUs, toUs] (the profile's clock). */
export function summarise(p: CpuProfile, fromUs = -Infinity, toUs = Infinity): Summary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketMemo = new Map<number, string>();
  const bucket = (id: number): string => {
    let b = bucketMemo.get(id);
    if (b) return b;
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!.callFrame);
    b = bucketOf(frames);
    bucketMemo.set(id, b);
    return b;
  };
  const self = new Map<string, number>();
  const buckets = new Map<string, number>();
  let t = p.startTime;
  let sampled = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    // A sample stands for the time until the next one.
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    if (t < fromUs || t > toUs) continue;
    const id = p.samples[i]!;
    const l = label(byId.get(id)!.callFrame);
    self.set(l, (self.get(l) ?? 0) + dt);
    const b = bucket(id);
    buckets.set(b, (buckets.get(b) ?? 0) + dt);
    sampled += dt;
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const from = Math.max(fromUs, p.startTime);
  const to = Math.min(toUs, p.endTime);
  return { windowMs: (to - from) / 1000, sampledMs: sampled, byBucket: sorted(buckets), bySelf: sorted(self) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string', default: '30' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--from µs --to µs] [--top N]');
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, values.from ? Number(values.from) : undefined, values.to ? Number(values.to) : undefined);
  const busy = s.sampledMs - (s.byBucket.find(([b]) => b === 'idle')?.[1] ?? 0);
  const row = ([k, ms]: [string, number]) => `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${k}`;
  console.log(`window ${(s.windowMs / 1000).toFixed(1)} s; sampled ${(s.sampledMs / 1000).toFixed(1)} s, busy (not idle) ${(busy / 1000).toFixed(1)} s; % of busy\n\nby bucket (the first part, in the script's order, its stack names):`);
  for (const r of s.byBucket) console.log(row(r));
  console.log(`\nby self time (top ${values.top}):`);
  for (const r of s.bySelf.slice(0, Number(values.top))) console.log(row(r));
}
