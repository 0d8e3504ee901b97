import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/mine/db-schema.ts',
  out: './drizzle/mine',
});
