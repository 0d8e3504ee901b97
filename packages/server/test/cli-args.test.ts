import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../src/cli/args.ts';

const SPEC = { switches: ['json'], values: ['site', 'name'], gone: ['token'] } as const;

test('declared options in both spellings, -h, positionals in order', () => {
  assert.deepEqual(parseArgs(['enroll', '--site', 'hami', '--name=n1', '--json', 'x'], SPEC), {
    flags: { site: 'hami', name: 'n1', json: true },
    positional: ['enroll', 'x'],
    lists: {},
  });
  assert.deepEqual(parseArgs(['-h'], SPEC).flags, { help: true });
});

test('an unknown option, a value option without its value and a value given to a switch are usage errors', () => {
  for (const [argv, says] of [
    [['--sight', 'hami'], /Unknown option '--sight'.*options here: --help, --json, --site, --name/],
    [['--site'], /--site.*argument missing/],
    [['--json=yes'], /--json.*does not take an argument/],
  ] as const) {
    assert.throws(() => parseArgs(argv, SPEC), (e: unknown) => e instanceof UsageError && says.test(e.message), argv.join(' '));
  }
});

test('an option a command no longer has is parsed, so the command can say what replaced it, but not offered', () => {
  assert.equal(parseArgs(['--token', 't'], SPEC).flags.token, 't');
  assert.throws(() => parseArgs(['--x'], SPEC), (e: unknown) => e instanceof UsageError && !/--token/.test(e.message));
});

test('a list option may be given more than once; its values come in order, and none given is an empty list', () => {
  const spec = { switches: ['count'], lists: ['where', 'sum'] };
  const { flags, lists } = parseArgs(['--where', 'month>=7', '--count', '--where=county=shihezi'], spec);
  assert.deepEqual(lists, { where: ['month>=7', 'county=shihezi'], sum: [] });
  assert.equal(flags.count, true);
  assert.equal('where' in flags, false);
});

test('a value that begins with a dash (a base64url token, a negative number) is the option\'s value; an option after a value option is still a missing value', () => {
  const spec = { switches: ['json'], values: ['token', 'priority'], lists: ['after'] };
  const { flags, lists, positional } = parseArgs(['submit', '--token', '-Xq3_a', '--priority', '-3', '--after', '-ok', '--json', 'x'], spec);
  assert.deepEqual(flags, { token: '-Xq3_a', priority: '-3', json: true });
  assert.deepEqual(lists.after, ['-ok']);
  assert.deepEqual(positional, ['submit', 'x']);
  assert.throws(() => parseArgs(['--token', '--json'], spec), (e: unknown) => e instanceof UsageError && /--token/.test(e.message));
  assert.throws(() => parseArgs(['--token', '-h'], spec), (e: unknown) => e instanceof UsageError && /--token/.test(e.message));
  // After "--" everything is positional, as before.
  assert.deepEqual(parseArgs(['--', '--token', '-x'], spec).positional, ['--token', '-x']);
});
