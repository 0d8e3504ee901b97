import { createHash } from 'node:crypto';
import { z } from 'zod';
import { JobSpecInvalidError } from './errors.ts';

/**
 * Content-addressed scene assets (in the spirit of Flamenco's Shaman): a job's files are a manifest
 * of relative path → SHA-256 and size; the bytes live once per hash. Pure rules here; storage and
 * the wire are the server's and the node's.
 */

export const SHA256_RE = /^[0-9a-f]{64}$/;
/** Files one manifest may list (a studio scene with its textures and caches stays far below). */
export const MAX_MANIFEST_FILES = 10_000;

const relPath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.startsWith('/') && !p.endsWith('/'), 'a path relative to the scene folder, naming a file')
  .refine((p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !s.startsWith('.')), "no empty, '.', '..' or hidden segments")
  .refine((p) => !/[\\\u0000-\u001f]/.test(p), 'no backslashes or control characters');

export const manifestEntrySchema = z.object({
  path: relPath,
  sha256: z.string().regex(SHA256_RE, 'a lower-case hex SHA-256'),
  size: z.number().int().min(0).max(2 * 1024 ** 3),
});
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

export const manifestSchema = z
  .object({ files: z.array(manifestEntrySchema).min(1).max(MAX_MANIFEST_FILES) })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    const sizes = new Map<string, number>();
    m.files.forEach((f, i) => {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `${f.path} is listed twice` });
      seen.add(f.path);
      const prev = sizes.get(f.sha256);
      if (prev !== undefined && prev !== f.size) ctx.addIssue({ code: 'custom', path: ['files', i, 'size'], message: `the same hash with two sizes (${prev} and ${f.size})` });
      sizes.set(f.sha256, f.size);
      // A file and a folder of the same name cannot both be laid out on a node.
      const parts = f.path.split('/');
      for (let k = 1; k < parts.length; k++) {
        if (seen.has(parts.slice(0, k).join('/'))) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `${parts.slice(0, k).join('/')} is a file and a folder` });
      }
    });
  });
export type Manifest = z.infer<typeof manifestSchema>;

/** Parses a manifest or throws RENDER_JOB_INVALID naming each bad field. */
export function parseManifest(input: unknown): Manifest {
  const r = manifestSchema.safeParse(input);
  if (!r.success) throw new JobSpecInvalidError(r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  // Sorted by path: the same files give the same manifest, and so the same id.
  return { files: [...r.data.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}

/** The manifest's own id: the SHA-256 of its canonical JSON (sorted by path), so equal manifests share one. */
export function manifestId(m: Manifest): string {
  const canonical = JSON.stringify(m.files.map((f) => [f.path, f.sha256, f.size]));
  return createHash('sha256').update(canonical).digest('hex');
}

/** Each distinct blob of a manifest once, with its size. */
export function distinctBlobs(m: Manifest): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of m.files) out.set(f.sha256, f.size);
  return out;
}
