import { parseArgs as parseArgv } from 'node:util';

export class UsageError extends Error {
  readonly code = 'USAGE';
}

export type Flags = Record<string, string | true>;

/**
 * A command's arguments through node:util's parseArgs: `--name value` or `--name=value`, `-h` for
 * help, positionals in order. Every option is declared; an unknown one or a value option given
 * without its value is a UsageError naming it. `gone` lists options a command once had: they are
 * accepted here so the command can say what replaced them. `lists` are value options that may be
 * given more than once (`--where a=1 --where b=2`): their values, in order, are in `lists`.
 */
export function parseArgs(
  argv: readonly string[],
  spec: { switches?: readonly string[]; values?: readonly string[]; gone?: readonly string[]; lists?: readonly string[] },
): { flags: Flags; positional: string[]; lists: Record<string, string[]> } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const name of spec.switches ?? []) options[name] = { type: 'boolean' };
  for (const name of [...(spec.values ?? []), ...(spec.gone ?? [])]) options[name] = { type: 'string' };
  for (const name of spec.lists ?? []) options[name] = { type: 'string', multiple: true };
  let parsed: ReturnType<typeof parseArgv>;
  try {
    parsed = parseArgv({ args: dashedValuesJoined(argv, options), options, allowPositionals: true, strict: true });
  } catch (e) {
    const known = Object.keys(options).filter((o) => !spec.gone?.includes(o)).map((o) => `--${o}`).join(', ');
    throw new UsageError(`${(e as Error).message.split('. To specify')[0]} (options here: ${known})`);
  }
  const flags: Flags = {};
  const lists: Record<string, string[]> = Object.fromEntries((spec.lists ?? []).map((n) => [n, []]));
  for (const [name, v] of Object.entries(parsed.values)) {
    if (Array.isArray(v)) lists[name] = v.map(String);
    else if (v !== undefined && v !== false) flags[name] = v === true ? true : String(v);
  }
  return { flags, positional: parsed.positionals, lists };
}

/**
 * `--name value` where the value begins with a dash, as `--name=value`: an API token is base64url and
 * one in 64 begins with "-", as may a negative number; node:util would call it ambiguous. A next
 * argument that is itself one of the options (`--site --json`) stays an option, so a forgotten value
 * is still reported.
 */
function dashedValuesJoined(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>): string[] {
  const isOption = (a: string) => a === '--' || /^-[a-zA-Z]$/.test(a) || (a.startsWith('--') && a.slice(2).split('=')[0]! in options);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (a.startsWith('--') && options[a.slice(2)]?.type === 'string' && next !== undefined && next.startsWith('-') && !isOption(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export function str(flags: Flags, name: string, fallback?: string): string {
  const v = flags[name];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`missing --${name}`);
}
