/** The backup manifest and the pure rules around it: what is archived, and whether an archive is whole. */
import { z } from 'zod';
import { BackupError } from './errors.ts';

export const FORMAT = 'shuzhi-backup';
export const FORMAT_VERSION = 1;
export const MANIFEST_NAME = 'manifest.json';
/** Files of the data directory live under `data/`; a PostgreSQL dump under `db/`. */
export const ARCHIVE_ROOTS = ['data', 'db'] as const;
export const ALLOWED = { roots: ARCHIVE_ROOTS, names: [MANIFEST_NAME] } as const;
export const PG_DUMP_ENTRY = 'db/postgres.dump';

const Sha = z.string().regex(/^[0-9a-f]{64}$/);

export const ManifestSchema = z.object({
  format: z.literal(FORMAT),
  formatVersion: z.number().int().min(1),
  shuzhiVersion: z.string(),
  createdAt: z.string(),
  database: z.object({
    kind: z.enum(['pglite', 'postgres']),
    /** PostgreSQL major version of the embedded database (its PG_VERSION), when archived. */
    pgVersion: z.string().nullable(),
    /** True when the archive holds the database (PGlite files, or a pg_dump under db/). */
    included: z.boolean(),
    /** Rows per table (`schema.table`) at backup time; null when the database is not in the archive. */
    tables: z.record(z.string(), z.number().int().min(0)).nullable(),
  }),
  /** Where the secrets key was: in the archive (key file), or given as SHUZHI_SECRETS_KEY (not archived). */
  secretsKey: z.enum(['archived', 'environment', 'none']),
  files: z.array(z.object({ path: z.string(), size: z.number().int().min(0), sha256: Sha })),
  dirs: z.array(z.string()),
  /** Data-dir paths left out, and why (scratch, lock files, …). */
  excluded: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BackupError('BACKUP_MANIFEST_INVALID', 'The archive\'s manifest.json is not JSON: the archive was altered or is not a Shuzhi backup.');
  }
  const head = z.object({ format: z.literal(FORMAT), formatVersion: z.number() }).safeParse(raw);
  if (!head.success) throw new BackupError('BACKUP_MANIFEST_INVALID', 'The archive\'s manifest.json is not a Shuzhi backup manifest.');
  if (head.data.formatVersion > FORMAT_VERSION) {
    throw new BackupError('BACKUP_VERSION_UNSUPPORTED', `The backup has format version ${head.data.formatVersion}; this Shuzhi reads up to ${FORMAT_VERSION}. Restore it with the Shuzhi version that made it or a newer one.`);
  }
  const m = ManifestSchema.safeParse(raw);
  if (!m.success) {
    throw new BackupError('BACKUP_MANIFEST_INVALID', `The archive's manifest.json is damaged: ${m.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  }
  return m.data;
}

/**
 * Why a path of the data directory (relative, `/`-separated) stays out of a backup, or null to keep it.
 * `workRel`: the embedded workers' task directory relative to the data dir, when it lies inside it.
 */
export function excludeReason(rel: string, opts: { workRel: string | null; dbKind: 'pglite' | 'postgres' }): string | null {
  const parts = rel.split('/');
  const name = parts[parts.length - 1]!;
  if (opts.workRel && (rel === opts.workRel || rel.startsWith(`${opts.workRel}/`))) return 'task scratch directory of the embedded workers';
  if (parts.includes('.incoming')) return 'upload in progress (scratch)';
  if (parts[0] === 'pglite') {
    if (opts.dbKind === 'postgres') return 'embedded database not in use (DATABASE_URL is set)';
    if (rel === 'pglite/postmaster.pid') return 'database lock file';
  }
  if (parts[0] === 'slurm' && parts[2] === 'jobs') return 'Slurm job directories (job scratch and output)';
  if (parts.length === 1 && /\.(lock|pid)$|\.lock\.takeover$/.test(name)) return 'lock file of a running server';
  if (/\.partial-[0-9a-f]+$/.test(name)) return 'unfinished backup';
  if (parts.length === 1 && /^\.restoring-[0-9a-f]+$/.test(name)) return 'unfinished restore';
  return null;
}

export interface SeenEntry {
  type: 'file' | 'dir';
  size: number;
  sha256: string | null;
}

/**
 * Every file the manifest lists is in the archive with its size and sha256, and the archive holds
 * nothing it does not list. Returns the problems (empty: whole).
 */
export function checkAgainstManifest(m: Manifest, seen: ReadonlyMap<string, SeenEntry>): string[] {
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const f of m.files) {
    listed.add(f.path);
    const e = seen.get(f.path);
    if (!e || e.type !== 'file') problems.push(`${f.path}: missing from the archive`);
    else if (e.size !== f.size) problems.push(`${f.path}: ${e.size} bytes, the manifest says ${f.size}`);
    else if (e.sha256 !== f.sha256) problems.push(`${f.path}: sha256 differs from the manifest`);
  }
  for (const d of m.dirs) {
    listed.add(d);
    if (seen.get(d)?.type !== 'dir') problems.push(`${d}/: directory missing from the archive`);
  }
  for (const p of seen.keys()) if (!listed.has(p)) problems.push(`${p}: in the archive but not in the manifest`);
  return problems;
}

/** A human line per table group for the restore summary. */
export function countsLine(tables: Record<string, number>, names: readonly string[]): string {
  return names.map((n) => `${n.replace(/^public\./, '')} ${tables[n] ?? tables[`public.${n}`] ?? 0}`).join(', ');
}
