import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OutputOutsideWorkDir, hostPathOf, readTaskOutput, removeTaskDir, resolveTaskOutput, unlinkTaskOutput, writeNewFile } from '../src/index.ts';
import { tempDir } from './helpers.ts';

let root: string;
let dir: string;
let outside: string;
let secret: string;
const SECRET = 'root:$6$secret-hash:19000:0:99999:7:::\n';

function untouched() {
  assert.ok(existsSync(secret), 'the outside file still exists');
  assert.equal(readFileSync(secret, 'utf8'), SECRET, 'the outside file is unchanged');
}

before(async () => {
  root = await tempDir('guard');
  dir = join(root, 'tasks', 'task_1-1');
  outside = join(root, 'outside');
  mkdirSync(dir, { recursive: true });
  mkdirSync(outside);
  secret = join(outside, 'shadow');
  writeFileSync(secret, SECRET);
});
after(async () => {
  await removeTaskDir(root);
});

describe('output-path guard: what a renderer prints is trusted only inside its directory', () => {
  test('a regular file inside the directory is read, by absolute or relative path', async () => {
    writeFileSync(join(dir, 'f_0001.png'), 'png bytes');
    const abs = await readTaskOutput(dir, join(dir, 'f_0001.png'));
    assert.equal(abs?.bytes.toString(), 'png bytes');
    const rel = await readTaskOutput(dir, 'f_0001.png');
    assert.equal(rel?.path, abs?.path);
  });

  test('a printed path is mapped from the view of the sandbox (/task) to the worker\'s path, or refused', () => {
    assert.equal(hostPathOf(dir, '/task', '/task/f_0001.png'), join(dir, 'f_0001.png'));
    assert.equal(hostPathOf(dir, '/task', 'sub/f.png'), join(dir, 'sub', 'f.png'));
    assert.equal(hostPathOf(dir, '/task', '/task/sub/../f.png'), join(dir, 'f.png'));
    assert.equal(hostPathOf(dir, dir, join(dir, 'f.png')), join(dir, 'f.png'));
    for (const printed of ['/task/../etc/passwd', '/task', '/task/', '/taskx/f.png', '../f.png', join(dir, 'f.png'), secret, '/etc/shadow', 'a\0b']) {
      assert.throws(() => hostPathOf(dir, '/task', printed), OutputOutsideWorkDir, printed);
    }
  });

  test('a file that is not there is no error: null (the missing frame is caught later)', async () => {
    assert.equal(await readTaskOutput(dir, join(dir, 'f_0099.png')), null);
    assert.equal(await resolveTaskOutput(dir, join(dir, 'nodir', 'f.png')), null);
  });

  test('a Saved: path outside the directory is refused without touching it', async () => {
    const before = statSync(secret);
    for (const printed of [secret, '/etc/passwd', root, join(root, 'tasks'), dir, `${dir}-other/f.png`]) {
      await assert.rejects(readTaskOutput(dir, printed), (err: unknown) => {
        assert.ok(err instanceof OutputOutsideWorkDir, `${printed}: ${String(err)}`);
        assert.equal(err.code, 'output-outside-work-dir');
        assert.match(err.message, /outside the task directory/);
        return true;
      });
    }
    assert.equal(statSync(secret).atimeMs, before.atimeMs, 'not even read');
    untouched();
  });

  test('.. tricks are refused', async () => {
    for (const printed of [`${dir}/../../outside/shadow`, '../../outside/shadow', `${dir}/sub/../../../outside/shadow`, '..', `${dir}/..`, '/../../../../etc/passwd']) {
      await assert.rejects(readTaskOutput(dir, printed), OutputOutsideWorkDir, printed);
    }
    untouched();
  });

  test('a symbolic link inside the directory pointing outside is refused, and so is a link to a file inside', async () => {
    symlinkSync(secret, join(dir, 'f_0002.png'));
    await assert.rejects(readTaskOutput(dir, join(dir, 'f_0002.png')), /symbolic link/);
    writeFileSync(join(dir, 'inside.png'), 'x');
    symlinkSync(join(dir, 'inside.png'), join(dir, 'f_0003.png'));
    await assert.rejects(readTaskOutput(dir, 'f_0003.png'), OutputOutsideWorkDir);
    untouched();
  });

  test('a symbolic link to a directory outside, used as a path component, is refused', async () => {
    symlinkSync(outside, join(dir, 'out'));
    await assert.rejects(readTaskOutput(dir, join(dir, 'out', 'shadow')), /resolves to .*outside/);
    symlinkSync(join(dir, 'loop'), join(dir, 'loop2'));
    symlinkSync(join(dir, 'loop2'), join(dir, 'loop'));
    await assert.rejects(readTaskOutput(dir, join(dir, 'loop', 'x.png')), OutputOutsideWorkDir);
    untouched();
  });

  test('a hard link to an outside file, a directory, a FIFO and a NUL byte are refused', async () => {
    linkSync(secret, join(dir, 'f_0004.png'));
    await assert.rejects(readTaskOutput(dir, 'f_0004.png'), /hard link/);
    mkdirSync(join(dir, 'f_0005.png'));
    await assert.rejects(readTaskOutput(dir, 'f_0005.png'), /not a regular file/);
    execFileSync('mkfifo', [join(dir, 'f_0006.png')]);
    await assert.rejects(readTaskOutput(dir, 'f_0006.png'), /not a regular file/);
    await assert.rejects(readTaskOutput(dir, 'f_0007.png\0/etc/passwd'), /NUL/);
    untouched();
  });

  test('only direct children of the directory are deleted after use', async () => {
    mkdirSync(join(dir, 'deep'));
    writeFileSync(join(dir, 'deep', 'a.png'), 'a');
    const deep = await readTaskOutput(dir, 'deep/a.png');
    await unlinkTaskOutput(dir, deep!.path);
    assert.ok(existsSync(join(dir, 'deep', 'a.png')), 'left for the directory removal');
    writeFileSync(join(dir, 'b.png'), 'b');
    const b = await readTaskOutput(dir, 'b.png');
    await unlinkTaskOutput(dir, b!.path);
    assert.ok(!existsSync(join(dir, 'b.png')));
    await unlinkTaskOutput(dir, secret);
    untouched();
  });

  test('files the worker writes into a task directory are new files, never written through a link', async () => {
    symlinkSync(secret, join(dir, 'frame.png'));
    await assert.rejects(writeNewFile(join(dir, 'frame.png'), Buffer.from('overwrite')), /EEXIST/);
    untouched();
    await writeNewFile(join(dir, 'fresh.png'), Buffer.from('ok'));
    assert.equal(readFileSync(join(dir, 'fresh.png'), 'utf8'), 'ok');
  });

  test('removing the task directory never follows its links out of it', async () => {
    const victim = join(root, 'victim');
    mkdirSync(join(victim, 'sub'), { recursive: true });
    writeFileSync(join(victim, 'sub', 'keep.txt'), 'keep');
    symlinkSync(victim, join(dir, 'to-victim'));
    symlinkSync(join(victim, 'sub', 'keep.txt'), join(dir, 'to-file'));
    mkdirSync(join(dir, 'locked', 'inner'), { recursive: true });
    symlinkSync(victim, join(dir, 'locked', 'inner', 'again'));
    execFileSync('chmod', ['000', join(dir, 'locked')]);
    await removeTaskDir(dir);
    assert.ok(!existsSync(dir), 'the task directory is gone');
    assert.equal(readFileSync(join(victim, 'sub', 'keep.txt'), 'utf8'), 'keep');
    untouched();
  });
});
