import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/render/db-schema.ts',
  out: './drizzle/render',
});
