// The committed API types (what the web app and the CLI call the server with) must be the ones the
// server's OpenAPI document generates today: a route changed without regenerating fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { API_TYPES_FILE, apiTypesSource, buildOpenApiDocument } from '../scripts/api-types.ts';

test('packages/schema/src/api/openapi.gen.ts is what the OpenAPI document generates now', async () => {
  const fresh = await apiTypesSource(await buildOpenApiDocument());
  const committed = readFileSync(API_TYPES_FILE, 'utf8');
  if (committed === fresh) return;
  const a = committed.split('\n');
  const b = fresh.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]);
  assert.fail(
    `The API types are out of date with the routes: run npm run api:types and commit packages/schema/src/api/openapi.gen.ts.\n` +
      `First difference, line ${line + 1}:\n  committed: ${a[line] ?? '(end of file)'}\n  generated: ${b[line] ?? '(end of file)'}`,
  );
});
