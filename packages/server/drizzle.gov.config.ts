import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/gov/db-schema.ts',
  out: './drizzle/gov',
});
