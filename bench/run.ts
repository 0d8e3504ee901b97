// Entry of `npm run bench -- [name…]`: runs the named benchmarks, or all of them.
import { BenchUsageError } from './args.ts';

const BENCHES: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  planner: () => import('./planner/bench.ts'),
  mine: () => import('./mine/bench.ts'),
  billing: () => import('./billing/bench.ts'),
  render: () => import('./render/bench.ts'),
  gov: () => import('./gov/bench.ts'),
  sandbox: () => import('./sandbox/bench.ts'),
  scaling: () => import('./scaling/bench.ts'),
  failover: () => import('./failover/bench.ts'),
  data: () => import('./data/bench.ts'),
  web: () => import('./web/bench.ts'),
  arrays: () => import('./arrays/bench.ts'),
};

const args = process.argv.slice(2);
const names = args.filter((a) => a in BENCHES);
// A bare word right after `--option` (no `=`) is that option's value (`--slot-minutes 60`), not a benchmark.
const isValue = (i: number) => i > 0 && args[i - 1]!.startsWith('--') && !args[i - 1]!.includes('=');
const unknown = args.filter((a, i) => !a.startsWith('-') && !isValue(i) && !(a in BENCHES) && !['small', 'medium', 'large', 'workflow', 'array'].includes(a));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
if (args.includes('--help') && names.length === 0) {
  console.log(`usage: npm run bench -- [${Object.keys(BENCHES).join('|')} …] [options]\nno name runs them all; \`npm run bench -- NAME --help\` lists a benchmark's options`);
  process.exit(0);
}
try {
  for (const name of names.length ? names : Object.keys(BENCHES)) {
    const mod = await BENCHES[name]!();
    await mod.run(args.filter((a) => !(a in BENCHES)));
  }
} catch (e) {
  if (!(e instanceof BenchUsageError)) throw e;
  console.error(e.message);
  process.exit(2);
}
