import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, fixtureTags, manifestOf, openAndCheckUpgrade } from './upgrade-suite.ts';

// Made by scripts/make-upgrade-fixture.mjs from a tagged release: its PGlite data directory after the demo ran.
const tags = fixtureTags();

test('there is an upgrade fixture from an earlier release', () => {
  assert.ok(tags.length > 0);
  for (const tag of tags) assert.ok(existsSync(join(FIXTURES, tag, 'pglite.tar.xz')), `${tag}/pglite.tar.xz`);
});

for (const tag of tags) {
  test(`a PGlite database written by ${tag} opens with today's server, migrated, nothing lost`, { timeout: 300_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), `shuzhi-upgrade-${tag}-`));
    try {
      execFileSync('tar', ['-C', dataDir, '-xJf', join(FIXTURES, tag, 'pglite.tar.xz')]);
      await openAndCheckUpgrade({ dataDir, before: manifestOf(tag).pglite });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
