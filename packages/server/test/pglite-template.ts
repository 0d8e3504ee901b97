// A migrated embedded database to copy instead of creating one per test. A new PGlite directory costs
// an initdb in WebAssembly plus every module's migrations (≈ 5 s of CPU on this machine); opening a
// copied directory costs a fraction of a second. The template is made by the real Platform.open on an
// empty directory — the same code path a first `npm start` takes — once per source tree: its name is
// a hash of every migration and every server/engine source file, so a change to either makes a new one.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { Platform } from '../src/platform.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const PREFIX = 'shuzhi-pglite-template-';
/** What a data directory keeps of its first start that later starts reuse: the database and its secrets key. */
const KEPT = ['pglite', 'keys'];
const STALE_MS = 24 * 3600_000;

function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist' || name === 'test') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|sql|json)$/.test(name)) out.push(p);
  }
  return out;
}

/** The hash of everything that decides what a first start writes: migrations and server/engine sources (not the web app). */
function sourceKey(): string {
  const h = createHash('sha256');
  const packages = readdirSync(join(repoRoot, 'packages')).filter((p) => p !== 'web').sort();
  for (const pkg of packages) {
    for (const dir of ['src', 'drizzle']) {
      for (const f of sourceFiles(join(repoRoot, 'packages', pkg, dir))) {
        h.update(relative(repoRoot, f)).update('\0').update(readFileSync(f)).update('\0');
      }
    }
  }
  return h.digest('hex').slice(0, 16);
}

function removeStaleTemplates(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX) || name === keep) continue;
    const p = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // another run removed it first
    }
  }
}

async function buildTemplate(path: string): Promise<void> {
  const building = mkdtempSync(`${path}.building-`);
  try {
    const p = await Platform.open({ config: loadConfig({ SHUZHI_DATA_DIR: building, LOG_LEVEL: 'silent' }) });
    await p.close();
    const done = mkdtempSync(`${path}.done-`);
    for (const part of KEPT) renameSync(join(building, part), join(done, part));
    try {
      renameSync(done, path);
    } catch {
      // Another test process finished the same template first; its copy is as good as ours.
      rmSync(done, { recursive: true, force: true });
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

let template: Promise<string> | undefined;

/** The template directory for this source tree, made on first use (by whichever test process gets there first). */
export function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const name = PREFIX + sourceKey();
    const path = join(tmpdir(), name);
    if (!existsSync(path)) {
      removeStaleTemplates(name);
      await buildTemplate(path);
    }
    return path;
  })();
  return template;
}

/**
 * A new data directory holding a copy of the migrated template database (and the key it was made
 * with): a platform opened on it starts as on any later start. Tests of a first start (a new key, the
 * bootstrap token, the migrations themselves) use an empty directory instead.
 */
export async function migratedDataDir(): Promise<string> {
  const from = await pgliteTemplate();
  const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-test-'));
  for (const part of KEPT) cpSync(join(from, part), join(dataDir, part), { recursive: true });
  return dataDir;
}
