import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { imageLooksComplete } from '../src/index.ts';

// A 1×1 PNG as a renderer writes it, whole.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

test('a whole PNG passes; empty, cut short or not a PNG fails', () => {
  assert.equal(imageLooksComplete(PNG, 'png'), true);
  assert.equal(imageLooksComplete(Buffer.alloc(0), 'png'), false);
  for (let cut = 1; cut < PNG.length; cut += 7) assert.equal(imageLooksComplete(PNG.subarray(0, PNG.length - cut), 'png'), false, `cut by ${cut}`);
  assert.equal(imageLooksComplete(Buffer.concat([Buffer.from('GIF89a'), PNG.subarray(6)]), 'png'), false);
  // A view into a larger buffer is judged by its own bytes.
  const inside = Buffer.concat([Buffer.from('xxxx'), PNG, Buffer.from('yy')]).subarray(4, 4 + PNG.length);
  assert.equal(imageLooksComplete(new Uint8Array(inside.buffer, inside.byteOffset, inside.byteLength), 'png'), true);
});

test('the real PNGs of the shared render data pass', () => {
  const dir = fileURLToPath(new URL('../../../../shared/data/render/', import.meta.url));
  const pngs = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png'));
  assert.ok(pngs.length > 0, 'the render data holds PNG frames');
  for (const f of pngs) assert.equal(imageLooksComplete(readFileSync(`${dir}${f}`), 'png'), true, f);
});

test('JPEG needs its start and end markers; OpenEXR its magic number', () => {
  assert.equal(imageLooksComplete(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0xff, 0xd9]), 'jpg'), true);
  assert.equal(imageLooksComplete(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'jpg'), false);
  assert.equal(imageLooksComplete(Buffer.from([0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0]), 'exr'), true);
  assert.equal(imageLooksComplete(Buffer.alloc(0), 'exr'), false);
});
