import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simMineCommand } from './cli.ts';

test('sim mine CLI: bad arguments exit with 2 and say why; --help exits with 0', async () => {
  const errors: string[] = [];
  const logs: string[] = [];
  const { error, log } = console;
  console.error = (m: string) => errors.push(String(m));
  console.log = (m: string) => logs.push(String(m));
  try {
    assert.equal(await simMineCommand(['--port', 'abc']), 2);
    assert.match(errors.join('\n'), /--port must be a non-negative integer, got "abc"/);
    assert.equal(await simMineCommand(['--bogus']), 2);
    assert.equal(await simMineCommand(['--port', '4999', '--security', 'Sign']), 2);
    assert.match(errors.join('\n'), /--security must be SignAndEncrypt or None/);
    assert.equal(await simMineCommand(['--port', '4999', '--trust', '/nonexistent/cert.pem']), 2);
    assert.match(errors.join('\n'), /--trust: .*ENOENT/);
    assert.equal(await simMineCommand(['--help']), 0);
    assert.match(logs.join('\n'), /RunCmd/);
  } finally {
    console.error = error;
    console.log = log;
  }
});
