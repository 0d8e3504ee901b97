/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The schema package exports TypeScript source; point straight at it so both vite and vitest resolve it
// the same way regardless of how the workspace symlink is laid out.
const schemaEntry = decodeURIComponent(new URL('../schema/src/index.ts', import.meta.url).pathname);

export default defineConfig({
  plugins: [react()],
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
