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

export default defineConfig({
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
});
