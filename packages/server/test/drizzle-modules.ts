import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';

const SERVER = fileURLToPath(new URL('..', import.meta.url));

/** One drizzle-kit config of the server: the schema files it reads and the migrations folder it writes. */
export interface DrizzleModule {
  config: string;
  /** The migrations folder, relative to packages/server. */
  out: string;
  /** Every export of the config's schema files: what drizzle-kit sees when it generates. */
  schema: Record<string, unknown>;
}

/** The server's drizzle-kit configs (`drizzle*.config.ts`), each with its schema modules loaded. */
export async function drizzleModules(): Promise<DrizzleModule[]> {
  const configs = readdirSync(SERVER).filter((n) => /^drizzle(\.[a-z]+)?\.config\.ts$/.test(n)).sort();
  const out: DrizzleModule[] = [];
  for (const config of configs) {
    const c = (await import(pathToFileURL(join(SERVER, config)).href)).default as { schema: string | string[]; out: string };
    const schema: Record<string, unknown> = {};
    for (const file of [c.schema].flat()) Object.assign(schema, await import(pathToFileURL(resolve(SERVER, file)).href));
    out.push({ config, out: c.out.replace(/^\.\//, ''), schema });
  }
  return out;
}

/** Every migrations folder under packages/server/drizzle (the core's is `drizzle` itself). */
export function migrationFolders(): string[] {
  const subs = readdirSync(join(SERVER, 'drizzle'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'meta')
    .map((d) => `drizzle/${d.name}`);
  return ['drizzle', ...subs].sort();
}

export const serverPath = (rel: string) => join(SERVER, rel);
