import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  // Platform and compute tables share this folder: see the note in src/compute/db-schema.ts.
  schema: ['./src/db/schema.ts', './src/compute/db-schema.ts'],
  out: './drizzle',
});
