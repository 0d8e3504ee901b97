// The farm page's typed-job form in Chromium: a studio uploads its own job type (a bad one first: the
// server's validation errors are listed), submits a Blender job with a scene file (the bytes arrive
// as sent), then a job of its own type after it — a server 400 shown at the field it names first —
// and the job page draws the two as a dependency graph.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { client, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { launchBrowser, watchProblems } from '../support/browser.ts';
import { ensureWebBuilt } from '../support/web.ts';

let t: TestPlatform;
let browser: Browser;

before(async () => {
  ensureWebBuilt();
  t = await startPlatform({});
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

const gradeType = (executable: string) => ({
  name: 'grade',
  title: { en: 'Grade each frame', zh: '逐帧调色' },
  parameters: [{ name: 'strength', type: 'int', default: 5, min: 1, max: 10 }],
  inputs: [{ name: 'frames', kind: 'frames' }],
  steps: [
    {
      name: 'grade',
      executable,
      args: ['-y', '-i', '{input:frames}/f_{framePadded}.png', '-vf', 'eq=gamma={param:strength}', '{outputDir}/f_{framePadded}.png'],
      chunking: { kind: 'frames', framesPerChunk: 1 },
      outputs: ['{outputDir}/f_{framePadded}.png'],
    },
  ],
});

test('in Chromium: a studio uploads its own type, submits a scene job and a job of its type after it, and sees the chain', async () => {
  const page = await browser.newPage();
  const problems = watchProblems(page);
  await page.goto(t.url);
  await page.getByTestId('login-username').fill('tenant2');
  await page.getByTestId('login-password').fill('tenant2-demo');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').waitFor();
  await page.goto(`${t.url}/#/render`);
  await page.getByTestId('render-submit-form').waitFor();

  // A type running bash is refused on upload, field by field.
  const typeFile = (doc: unknown) => ({ name: 'grade.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
  await page.getByTestId('render-type-file').setInputFiles(typeFile(gradeType('bash')));
  await page.getByTestId('render-type-error-steps.0.executable').waitFor();
  await page.getByTestId('render-type-file').setInputFiles(typeFile(gradeType('ffmpeg')));
  await page.getByTestId('render-type-stored').waitFor();
  problems.length = 0;

  // A Blender job with its scene file, uploaded from the page.
  const scene = randomBytes(4096);
  await page.getByTestId('render-form-type').selectOption('blender');
  await page.getByTestId('render-form-scene').setInputFiles({ name: 'shot.blend', mimeType: 'application/octet-stream', buffer: scene });
  await page.getByTestId('render-form-frames').fill('1-2');
  await page.getByTestId('render-form-chunkSize').fill('1');
  await page.getByTestId('render-form-submit').click();
  await page.getByTestId('render-job-page').waitFor();
  const renderJob = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
  const studio = client(t.url, { cookie: await login(t.url, 'tenant2') });
  const stored = await fetch(`${t.url}/api/render/jobs/${encodeURIComponent(renderJob)}/scene`, { headers: { cookie: await login(t.url, 'tenant2') } });
  assert.equal(stored.status, 200);
  assert.ok(Buffer.from(await stored.arrayBuffer()).equals(scene), 'the scene arrives byte for byte');

  // The studio's own type: the form offers it with its parameter's bounds; a licence nobody defined is the server's 400 at its field.
  await page.goto(`${t.url}/#/render`);
  await page.getByTestId('render-form-type').selectOption('grade');
  assert.equal(await page.getByTestId('render-form-params.strength').inputValue(), '5');
  await page.getByTestId('render-form-params.strength').fill('11');
  await page.getByTestId('render-form-submit').click();
  await page.getByTestId('error-params.strength').waitFor();
  await page.getByTestId('render-form-params.strength').fill('3');
  await waitUntil('the studio’s jobs to be offered', async () => (await page.getByTestId('render-form-after.0').locator('option').count()) >= 2, 10_000);
  await page.getByTestId('render-form-after.0').selectOption(renderJob);
  await page.getByTestId('render-form-limits').fill('no-such-licence');
  await page.getByTestId('render-form-submit').click();
  await page.getByTestId('error-limits').waitFor();
  // The refused call, and the browser's console line about it — nothing else.
  assert.deepEqual(problems.splice(0).filter((p) => !p.startsWith('console: Failed to load resource: the server responded with a status of 400')), ['POST /api/render/jobs → 400']);
  await page.getByTestId('render-form-limits').fill('');
  await page.getByTestId('render-form-submit').click();
  await page.getByTestId('render-job-page').waitFor();
  const gradeJob = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
  assert.notEqual(gradeJob, renderJob);
  const body = (await studio.req('GET', `/api/render/jobs/${encodeURIComponent(gradeJob)}`)).body;
  assert.equal(body.type, 'grade');
  assert.deepEqual(body.dependsOn, [{ job: renderJob, mode: 'frame' }]);
  await page.getByTestId(`render-job-graph-edge-${renderJob}-${gradeJob}`).waitFor();
  assert.deepEqual(problems, []);
  await page.close();
});

test('in Chromium: a studio submits a scene folder; only files the farm lacks are uploaded, and a second job sends none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-folder-'));
  const root = join(dir, 'shot_020');
  mkdirSync(join(root, 'tex'), { recursive: true });
  const files = { 'shot.blend': randomBytes(2048), 'tex/wood.png': randomBytes(1024), 'tex/wood_copy.png': Buffer.alloc(0) };
  files['tex/wood_copy.png'] = files['tex/wood.png'];
  for (const [path, bytes] of Object.entries(files)) writeFileSync(join(root, path), bytes);
  writeFileSync(join(root, '.DS_Store'), 'left out');
  const page = await browser.newPage();
  const problems = watchProblems(page);
  const writes: string[] = [];
  page.on('request', (r) => {
    if (r.method() !== 'GET') writes.push(`${r.method()} ${new URL(r.url()).pathname.replace(/[0-9a-f]{64}$/, '{sha256}')}`);
  });
  try {
    await page.goto(t.url);
    await page.getByTestId('login-username').fill('tenant2');
    await page.getByTestId('login-password').fill('tenant2-demo');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('current-user').waitFor();
    const submitFolder = async () => {
      await page.goto(`${t.url}/#/render`);
      await page.getByTestId('render-form-type').selectOption('blender');
      await page.getByTestId('render-form-scene-source-folder').check();
      await page.getByTestId('render-form-scene').setInputFiles(root);
      assert.equal(await page.getByTestId('render-form-sceneMain').inputValue(), 'shot.blend');
      await page.getByTestId('render-form-frames').fill('1-2');
      writes.length = 0;
      await page.getByTestId('render-form-submit').click();
      await page.getByTestId('render-job-page').waitFor();
      return decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    };
    const first = await submitFolder();
    // Two distinct blobs (the copy shares the texture's hash); the hidden file is not part of the scene.
    assert.deepEqual(writes.filter((w) => !w.startsWith('POST /api/auth')), ['POST /api/render/manifests', 'PUT /api/render/blobs/{sha256}', 'PUT /api/render/blobs/{sha256}', 'POST /api/render/jobs']);
    const studio = client(t.url, { cookie: await login(t.url, 'tenant2') });
    const manifest = Object.entries(files).map(([path, bytes]) => ({ path, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length }));
    const again = await studio.req('POST', '/api/render/manifests', { files: manifest });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body.missing, [], 'every blob arrived and matched its hash');
    const job = (await studio.req('GET', `/api/render/jobs/${encodeURIComponent(first)}`)).body;
    assert.equal(job.type, 'blender');

    const second = await submitFolder();
    assert.notEqual(second, first);
    assert.deepEqual(writes.filter((w) => !w.startsWith('POST /api/auth')), ['POST /api/render/manifests', 'POST /api/render/jobs'], 'nothing uploaded the second time');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
