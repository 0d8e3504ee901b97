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

/** RFC 9457 problem details, with our stable `code`. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
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
