import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { drizzleModules, migrationFolders, serverPath } from './drizzle-modules.ts';

/**
 * Migrations here are partly hand-written, and drizzle-kit diffs the schema against the folder's last
 * snapshot, not the database: a snapshot left behind makes the next `drizzle-kit generate` write again
 * every change since it. So each folder's last snapshot must be its schema today, and sit at its last
 * migration.
 */
test("every migrations folder's last snapshot is its schema today, so drizzle-kit generate writes only the next change", async () => {
  const modules = await drizzleModules();
  // The replicas' one table (leadership) is created with IF NOT EXISTS by raw SQL so a replica can
  // join a database another replica set up; it has no Drizzle schema, hence no config.
  const withoutConfig = migrationFolders().filter((f) => !modules.some((m) => m.out === f));
  assert.deepEqual(withoutConfig, ['drizzle/replicas'], 'a migrations folder without a drizzle-kit config');
  for (const m of modules) {
    const meta = serverPath(`${m.out}/meta`);
    const journal = JSON.parse(readFileSync(`${meta}/_journal.json`, 'utf8')) as { entries: { tag: string }[] };
    const lastMigration = journal.entries.at(-1)!.tag.split('_')[0];
    const snapshots = readdirSync(meta).filter((n) => n.endsWith('_snapshot.json')).sort();
    assert.equal(snapshots.at(-1), `${lastMigration}_snapshot.json`, `${m.config}: the last snapshot is not at the last migration`);
    const last = JSON.parse(readFileSync(`${meta}/${snapshots.at(-1)}`, 'utf8'));
    const pending = await generateMigration(last, generateDrizzleJson(m.schema, last.id));
    assert.deepEqual(pending, [], `${m.config}: the schema has changes no migration holds`);
  }
});
