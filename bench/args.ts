import { parseArgs } from 'node:util';

/** One option of a benchmark: a positive whole number, a choice among words, or an on/off switch. */
export type BenchOption =
  | { type: 'count'; default: number; help: string }
  | { type: 'choice'; choices: readonly string[]; default: string; help: string }
  | { type: 'switch'; help: string };

type Value<O extends BenchOption> = O extends { type: 'count' } ? number : O extends { type: 'choice' } ? string : boolean;

export type BenchArgs<S extends Record<string, BenchOption>> = { [K in keyof S]: Value<S[K]> } & {
  positionals: string[];
  /** The options given on the command line (the rest took their defaults). */
  given: ReadonlySet<string>;
};

export class BenchUsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

/**
 * Every benchmark's arguments, through node:util's parseArgs: `--name=value` or `--name value`,
 * unknown options refused with the list of known ones, numbers checked. `positionals` are the bare
 * words left after bench/run.ts took the benchmark names (scenario sizes such as `small`).
 * `--help` prints the usage and returns null: the caller skips its run.
 */
export function benchArgs<S extends Record<string, BenchOption>>(
  bench: string,
  args: readonly string[],
  spec: S,
  positionals: { allowed: readonly string[]; help: string } | null = null,
): BenchArgs<S> | null {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, o] of Object.entries(spec)) options[name] = { type: o.type === 'switch' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new BenchUsageError(`${bench}: ${(e as Error).message}\n${usage(bench, spec, positionals)}`);
  }
  if (parsed.values.help) {
    console.log(usage(bench, spec, positionals));
    return null;
  }
  const bad = parsed.positionals.filter((p) => !positionals?.allowed.includes(p));
  if (bad.length) throw new BenchUsageError(`${bench}: unexpected ${bad.map((b) => `"${b}"`).join(', ')}\n${usage(bench, spec, positionals)}`);
  const out: Record<string, unknown> = { positionals: parsed.positionals, given: new Set(Object.keys(parsed.values)) };
  for (const [name, o] of Object.entries(spec)) {
    const given = parsed.values[name];
    if (o.type === 'switch') out[name] = given === true;
    else if (o.type === 'count') {
      const n = given === undefined ? o.default : Number(given);
      if (!Number.isInteger(n) || n <= 0) throw new BenchUsageError(`${bench}: --${name} must be a positive whole number (got "${String(given)}")`);
      out[name] = n;
    } else {
      const v = given === undefined ? o.default : String(given);
      if (!o.choices.includes(v)) throw new BenchUsageError(`${bench}: --${name} must be one of ${o.choices.join(', ')} (got "${v}")`);
      out[name] = v;
    }
  }
  return out as BenchArgs<S>;
}

function usage(bench: string, spec: Record<string, BenchOption>, positionals: { allowed: readonly string[]; help: string } | null): string {
  const lines = [`usage: npm run bench -- ${bench}${positionals ? ` [${positionals.allowed.join('|')}]` : ''} [options]`];
  if (positionals) lines.push(`  ${positionals.allowed.join('|').padEnd(28)} ${positionals.help}`);
  for (const [name, o] of Object.entries(spec)) {
    const left = o.type === 'switch' ? `--${name}` : o.type === 'count' ? `--${name}=N` : `--${name}=${o.choices.join('|')}`;
    const def = o.type === 'switch' ? '' : ` (default ${o.default})`;
    lines.push(`  ${left.padEnd(28)} ${o.help}${def}`);
  }
  return lines.join('\n');
}
