import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/billing/db-schema.ts',
  out: './drizzle/billing',
});
