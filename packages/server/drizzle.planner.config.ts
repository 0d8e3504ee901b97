import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/planner/db-schema.ts',
  out: './drizzle/planner',
});
