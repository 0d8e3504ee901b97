// The served OpenAPI document is a contract others build clients on: Redocly's `recommended` rules
// (redocly.yaml at the repository root) must find nothing in it, neither errors nor warnings.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startPlatform, type TestPlatform } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
}

let t: TestPlatform;
let dir: string;
before(async () => {
  t = await startPlatform({ fundTenants: false });
  dir = mkdtempSync(join(tmpdir(), 'shuzhi-openapi-'));
});
after(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('redocly lint (recommended rules) finds no error and no warning in /api/openapi.json', async () => {
  const res = await fetch(`${t.url}/api/openapi.json`);
  assert.equal(res.status, 200);
  const file = join(dir, 'openapi.json');
  writeFileSync(file, await res.text());

  const run = spawnSync(process.execPath, [REDOCLY, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=json', '--max-problems=100000'], {
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  assert.ok(run.stdout.trim().startsWith('{'), `redocly printed no report (exit ${run.status}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as LintReport;
  const found = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);
  assert.deepEqual(
    { errors: report.totals.errors, warnings: report.totals.warnings },
    { errors: 0, warnings: 0 },
    `redocly lint found problems in the OpenAPI document:\n${found.join('\n')}`,
  );
  assert.equal(run.status, 0, run.stderr);
});
