import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/workers/db-schema.ts',
  out: './drizzle/workers',
});
