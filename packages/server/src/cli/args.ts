/** Minimal `--flag value` / `--flag=value` / `--bool` parsing; positional args kept in order. */
export function parseArgs(argv: string[], booleans: readonly string[] = []) {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags[name] = a.slice(eq + 1);
      else if (booleans.includes(name) || i + 1 >= argv.length || argv[i + 1]!.startsWith('--')) flags[name] = true;
      else flags[name] = argv[++i]!;
    } else if (a === '-h') flags.help = true;
    else positional.push(a);
  }
  return { flags, positional };
}

export class UsageError extends Error {
  readonly code = 'USAGE';
}

export function str(flags: Record<string, string | true>, name: string, fallback?: string): string {
  const v = flags[name];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`missing --${name}`);
}
