// Test-run start-up: a module resolution shortcut for files inside node_modules, loaded with
// `--import` before tsx by scripts/test.mjs (every test file's process, and the CLI and servers the
// tests spawn, through NODE_OPTIONS).
//
// Why: Node 24 answers every resolution that lands in a package by building that package's
// package.json config afresh, and doing so parses its whole "exports" map again. drizzle-orm's
// package.json is 179 KB, and loading the server resolves ~500 modules in it: a second and a half
// of CPU and as much garbage collection in each of the ~200 processes a test run starts.
//
// What it answers itself, exactly as Node would:
// - a relative `.js`/`.mjs`/`.cjs` import from one file of a package to another existing file of the
//   same package: that file, in the format its extension or its package scope's "type" (the nearest
//   package.json, which may be a nested one such as dist/esm/package.json) gives;
// - a bare specifier (`drizzle-orm/pg-core`) resolved once per package directory it is found in and
//   per set of conditions: later imports of it from anywhere that finds the same package get the
//   same answer (resolution through "exports" depends on nothing else).
// Everything else (the project's own files, which tsx maps, `#imports`, builtins, a package importing
// itself by name, missing files) goes to Node's resolver unchanged.
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/;
const RELATIVE_SCRIPT = /^\.\.?\/.*\.(?:m?js|cjs)$/;
const BARE = /^(?![./#]|node:|data:|file:)((?:@[^/]+\/)?[^/]+)/;

/** "module" or "commonjs" as the nearest package.json above `dir` (up to the package's root) says; null if it names no type. */
const typeOf = new Map();
function scopeType(dir, root) {
  let type = typeOf.get(dir);
  if (type === undefined) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const declared = JSON.parse(readFileSync(file, 'utf8')).type;
      type = declared === 'module' || declared === 'commonjs' ? declared : null;
    } else type = dir === root ? null : scopeType(dirname(dir), root);
    typeOf.set(dir, type);
  }
  return type;
}

/** The directory Node's lookup finds `name` in from a file in `fromDir`: the nearest node_modules/name up the tree. */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

const bareAnswers = new Map();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (!parent?.startsWith('file:')) return nextResolve(specifier, context);
    const parentPath = fileURLToPath(parent);

    if (RELATIVE_SCRIPT.test(specifier)) {
      const url = new URL(specifier, parent);
      const path = fileURLToPath(url);
      const pkg = PACKAGE_DIR.exec(path)?.[1];
      if (pkg && pkg === PACKAGE_DIR.exec(parentPath)?.[1] && existsSync(path)) {
        // A .js file's format is its package scope's "type"; without one Node looks at the source: let it.
        const format = path.endsWith('.mjs') ? 'module' : path.endsWith('.cjs') ? 'commonjs' : scopeType(dirname(path), pkg);
        if (format) return { url: url.href, format, shortCircuit: true };
      }
      return nextResolve(specifier, context);
    }

    const name = BARE.exec(specifier)?.[1];
    if (!name) return nextResolve(specifier, context);
    const pkg = findPackage(name, dirname(parentPath));
    // A package importing itself by name resolves through its own scope: leave that to Node.
    if (!pkg || parentPath.startsWith(pkg + sep)) return nextResolve(specifier, context);
    const key = `${pkg}\0${specifier}\0${[...(context.conditions ?? [])].join(',')}\0${context.importAttributes?.type ?? ''}`;
    const known = bareAnswers.get(key);
    if (known) return { ...known, shortCircuit: true };
    const answer = nextResolve(specifier, context);
    if (answer.url.startsWith('file:') && fileURLToPath(answer.url).startsWith(pkg + sep)) bareAnswers.set(key, answer);
    return answer;
  },
});
