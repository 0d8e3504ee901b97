/// <reference types="vitest/config" />
import { writeFileSync } from 'node:fs';
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

export default defineConfig({
  plugins: [react(), precompress()],
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
