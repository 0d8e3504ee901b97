import { z } from 'zod';

/** Prefixed string ids (`site_…`, `job_…`): the prefix tells a reader what an id points at. */
export const idOf = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_-]{1,64}$`), `expected an id like ${prefix}_…`);

export const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

export const isoTime = z.iso.datetime({ offset: true });

/** A lone UTF-16 surrogate: half of a character, which no UTF-8 text (nor PostgreSQL) can hold. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as text, or null when it can: PostgreSQL text holds no NUL and no lone surrogate. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000), which text cannot hold; remove it';
  if (LONE_SURROGATE.test(s)) return 'contains half of a UTF-16 surrogate pair (not valid Unicode); send valid UTF-8 text';
  return null;
}

/**
 * Free text a person or a program sends us (names, descriptions, commands, env values, comments,
 * addresses): at most `max` characters, no NUL, no lone surrogates. Every free-text field of a request
 * uses it, so one bad string is a 400 naming the field instead of a database error later.
 */
export const Text = (max: number) =>
  z
    .string()
    .max(max)
    .check((ctx) => {
      const problem = textProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
    });

/**
 * Text that is data, not input (task logs, renderer output, failure messages from workers): never
 * refused, made storable instead. NUL becomes U+FFFD and lone surrogates U+FFFD, the rest is kept.
 */
export function storableText(s: string): string {
  if (!s.includes('\u0000') && !LONE_SURROGATE.test(s)) return s;
  return s.replaceAll('\u0000', '\uFFFD').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/** The same rule for free-form JSON a request carries (records of unknown shape): every key and string. */
export function jsonTextProblem(v: unknown, path: (string | number)[] = []): { path: (string | number)[]; message: string } | null {
  if (typeof v === 'string') {
    const m = textProblem(v);
    return m ? { path, message: m } : null;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = jsonTextProblem(v[i], [...path, i]);
      if (r) return r;
    }
    return null;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const km = textProblem(k);
      if (km) return { path: [...path, k], message: `key ${km}` };
      const r = jsonTextProblem(x, [...path, k]);
      if (r) return r;
    }
  }
  return null;
}

/** RFC 9457 problem details, with our stable `code`. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** The id on the server's log lines for this request (also the X-Request-Id header). */
  requestId: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

export const Roles = [
  'operator',
  'tenant',
  'programme',
  'officer',
  'window',
  'citizen',
  'enterprise',
  'supervisor',
  'mine-operator',
  'mine-engineer',
  'viewer',
] as const;
export const Role = z.enum(Roles);
export type Role = z.infer<typeof Role>;

export const Page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int() });
