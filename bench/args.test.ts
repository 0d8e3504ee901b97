import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchUsageError, benchArgs } from './args.ts';

const SPEC = {
  nodes: { type: 'count', default: 20_000, help: 'nodes' },
  db: { type: 'choice', choices: ['pglite', 'postgres', 'both'], default: 'both', help: 'database' },
  quick: { type: 'switch', help: 'smaller' },
} as const;

test('defaults, both spellings of a value, and which options were given', () => {
  assert.deepEqual(
    { ...benchArgs('t', [], SPEC)!, given: [] },
    { nodes: 20_000, db: 'both', quick: false, positionals: [], given: [] },
  );
  const a = benchArgs('t', ['--nodes=300', '--db', 'pglite', '--quick'], SPEC)!;
  assert.equal(a.nodes, 300);
  assert.equal(a.db, 'pglite');
  assert.equal(a.quick, true);
  assert.deepEqual([...a.given].sort(), ['db', 'nodes', 'quick']);
});

test('bad input is refused with the option named and the usage shown', () => {
  for (const [args, says] of [
    [['--nodes=0'], /--nodes must be a positive whole number \(got "0"\)/],
    [['--nodes=1.5'], /--nodes must be a positive whole number/],
    [['--db=mysql'], /--db must be one of pglite, postgres, both/],
    [['--nodse=3'], /Unknown option '--nodse'[\s\S]*usage: npm run bench -- t/],
    [['large'], /unexpected "large"/],
  ] as const) {
    assert.throws(() => benchArgs('t', args, SPEC), (e: unknown) => e instanceof BenchUsageError && says.test(e.message), String(args));
  }
});

test('allowed positionals pass; --help prints the usage and asks the caller to skip', (t) => {
  assert.deepEqual(benchArgs('t', ['small', 'large'], SPEC, { allowed: ['small', 'large'], help: 'sizes' })!.positionals, ['small', 'large']);
  const printed: string[] = [];
  t.mock.method(console, 'log', (line: string) => printed.push(line));
  assert.equal(benchArgs('t', ['--help'], SPEC), null);
  assert.match(printed.join('\n'), /--nodes=N +nodes \(default 20000\)\n +--db=pglite\|postgres\|both/);
});
