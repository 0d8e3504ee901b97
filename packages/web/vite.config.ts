/// <reference types="vitest/config" />
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The schema package exports TypeScript source; point straight at it so both vite and vitest resolve it
// the same way regardless of how the workspace symlink is laid out.
const schemaEntry = decodeURIComponent(new URL('../schema/src/index.ts', import.meta.url).pathname);

/**
 * Writes a brotli and a gzip copy next to each text asset, which the server sends to browsers that accept
 * them (serveStatic's `precompressed`): on a slow link the bytes are the load time (`npm run bench -- web`).
 */
function precompress(): Plugin {
  return {
    name: 'shuzhi-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      for (const [file, out] of Object.entries(bundle)) {
        if (!/\.(js|css|html|json|svg)$/.test(file)) continue;
        const body = Buffer.from(out.type === 'chunk' ? out.code : out.source);
        if (body.length < 1024) continue;
        const path = join(options.dir!, file);
        writeFileSync(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}

/** The page a door's start path shows (src/modules/gov/index.tsx): its chunk is fetched with the app's scripts. */
const DOOR_START_PAGES: Record<string, string> = {
  '/gov/app': 'src/modules/gov/CitizenApp.tsx',
  '/gov/kiosk': 'src/doors/kiosk/pages.tsx',
};

/**
 * Fills index.html's boot script with the chunks of each door's start page (and what they import beyond the
 * entry), which it modulepreloads: otherwise the page's chunk is asked for only once the app has run, one
 * more round trip on a slow link.
 */
function doorChunks(): Plugin {
  return {
    name: 'shuzhi-door-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle ?? {};
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const entry = chunks.find((c) => c.isEntry);
        const inEntry = new Set<string>([entry?.fileName ?? '', ...(entry?.imports ?? [])]);
        const map: Record<string, string[]> = {};
        for (const [path, source] of Object.entries(DOOR_START_PAGES)) {
          const page = chunks.find((c) => c.facadeModuleId?.endsWith(source));
          if (!page) throw new Error(`doorChunks: no chunk for ${source}`);
          const files = new Set<string>();
          const visit = (file: string) => {
            if (files.has(file) || inEntry.has(file)) return;
            files.add(file);
            for (const i of chunks.find((c) => c.fileName === file)?.imports ?? []) visit(i);
          };
          visit(page.fileName);
          map[path] = [...files].map((f) => `/${f}`);
        }
        if (!html.includes('/*DOOR_CHUNKS*/ {}')) throw new Error('doorChunks: index.html has no /*DOOR_CHUNKS*/ {} placeholder');
        return html.replace('/*DOOR_CHUNKS*/ {}', JSON.stringify(map));
      },
    },
  };
}

/**
 * The page icon inside index.html: browsers ask for it once the page has loaded, and on a slow link that
 * request is one more round trip before the network goes quiet. public/icons/icon.svg stays the one source.
 */
function inlineIcon(): Plugin {
  return {
    name: 'shuzhi-inline-icon',
    apply: 'build',
    transformIndexHtml(html) {
      const svg = readFileSync(new URL('./public/icons/icon.svg', import.meta.url), 'utf8').trim();
      return html.replace('href="/icons/icon.svg"', `href="data:image/svg+xml,${encodeURIComponent(svg)}"`);
    },
  };
}

/**
 * The door build (`vite build --mode door`): the citizen app and the kiosk alone, which the server writes into
 * the shell of a citizen's or a company's page (packages/server/src/http/web-shell.ts) so the door needs no
 * request beyond the page itself: on a slow link every round trip costs ≈ 2 s (`npm run bench -- web`).
 * The app's own entry with three modules put in place (the doors, the routes and the modules lists), so the
 * console's pages are not in it; on Preact's React-compatible core (8 KB against React's 36 KB) — the console
 * stays on React, whose ECharts pages threw under Preact; one script with no chunks (a chunk fetched later
 * would be a round trip, and one importing from an inlined script would run a second copy of the runtime).
 */
const DOOR_SWAPS: Record<string, string> = {
  'src/doors/registry.ts': 'src/door/registry.ts',
  'src/routes.tsx': 'src/door/routes.tsx',
  'src/modules/registry.ts': 'src/door/modules.ts',
};

function doorSwaps(): Plugin {
  const here = decodeURIComponent(new URL('.', import.meta.url).pathname);
  const swaps = new Map(Object.entries(DOOR_SWAPS).map(([from, to]) => [join(here, from), join(here, to)]));
  return {
    name: 'shuzhi-door-swaps',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const to = resolved && swaps.get(resolved.id);
      return to ?? resolved;
    },
  };
}

const DOOR_DICTIONARIES = '__SHUZHI_DOOR_DICTIONARIES__';

/**
 * The door build's dictionaries: only the keys its code names — a key in quotes, or a prefix a key is built
 * from (`gov.status.${s}`, 'gov.status.' + s) — in each language; the whole app's are five times that.
 * The table module (src/i18n/table.ts) becomes a placeholder, filled once the chunk's code is known.
 */
function doorDictionaries(): Plugin {
  const table = decodeURIComponent(new URL('./src/i18n/table.ts', import.meta.url).pathname);
  const isMessages = (id: string) => id === table || /\/(messages|[a-z-]*-messages|zh-CN|en|ug)\.ts$/.test(id);
  return {
    name: 'shuzhi-door-dictionaries',
    enforce: 'pre',
    load(id) {
      if (id === table) return `export const dictionaries = ${DOOR_DICTIONARIES};`;
      return null;
    },
    async renderChunk(code, chunk) {
      if (!code.includes(DOOR_DICTIONARIES)) return null;
      const { dictionaries } = (await import('./src/i18n/table.ts')) as { dictionaries: Record<string, Record<string, string>> };
      const named = new Set<string>();
      const prefixes: string[] = [];
      for (const [id, m] of Object.entries(chunk.modules)) {
        if (isMessages(id) || !m.code) continue;
        for (const [, lit, after] of m.code.matchAll(/['"`]([a-zA-Z][\w.-]*)(['"`]|\$\{)/g)) {
          if (lit!.endsWith('.') || after === '${') prefixes.push(lit!);
          else named.add(lit!);
        }
      }
      const keep = (k: string) => named.has(k) || prefixes.some((p) => k.startsWith(p));
      const trimmed = Object.fromEntries(
        Object.entries(dictionaries).map(([lang, d]) => [lang, Object.fromEntries(Object.entries(d).filter(([k]) => keep(k)))]),
      );
      return code.replace(DOOR_DICTIONARIES, JSON.stringify(trimmed));
    },
  };
}

const preactAliases = [
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react$/, replacement: 'preact/compat' },
];

/** Where the door build's script and styles go; the server reads them from there (web-shell.ts DOOR_DIR). */
const DOOR_DIR = 'door';

export default defineConfig(({ mode }) =>
  mode === 'door'
    ? {
        plugins: [react(), doorSwaps(), doorDictionaries()],
        resolve: { alias: [{ find: '@shuzhi/schema', replacement: schemaEntry }, ...preactAliases] },
        // The app's build (dist/) is already there: the door build adds dist/door/ beside it.
        build: {
          outDir: join('dist', DOOR_DIR),
          emptyOutDir: true,
          copyPublicDir: false,
          modulePreload: false,
          rollupOptions: {
            input: 'src/main.tsx',
            output: { format: 'es', entryFileNames: 'door.js', assetFileNames: 'door[extname]', codeSplitting: false },
          },
        },
      }
    : {
        plugins: [react(), precompress(), doorChunks(), inlineIcon()],
        resolve: { alias: { '@shuzhi/schema': schemaEntry } },
        server: {
          proxy: { '/api': { target: 'http://localhost:8080', changeOrigin: false } },
        },
        build: {
          outDir: 'dist',
          emptyOutDir: true,
          chunkSizeWarningLimit: 900,
        },
        test: {
          environment: 'jsdom',
          include: ['test/**/*.test.{ts,tsx}', 'src/**/*.test.{ts,tsx}'],
        },
      },
);
