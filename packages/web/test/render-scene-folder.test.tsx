import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { RenderJobType } from '@shuzhi/schema';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { TypedJobFormCard } from '../src/modules/render/TypedJobForm.tsx';
import { folderFiles, mainCandidates, sendFolder, type FolderProgress } from '../src/modules/render/scene-folder.ts';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** A file as a folder picker hands it over: its path starts with the picked folder's name. */
function picked(relativePath: string, text: string): File {
  const f = new File([text], relativePath.split('/').at(-1)!);
  Object.defineProperty(f, 'webkitRelativePath', { value: relativePath });
  return f;
}
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const shot = [
  picked('shot_010/shot.blend', 'BLENDER-v300 scene'),
  picked('shot_010/tex/wood.png', 'wood pixels'),
  picked('shot_010/tex/wood_copy.png', 'wood pixels'),
  picked('shot_010/.DS_Store', 'finder junk'),
  picked('shot_010/.cache/x.bin', 'hidden folder'),
  picked('shot_010/cache/sim.abc', 'alembic'),
];

describe('a scene folder in the browser', () => {
  it('takes the paths inside the folder, leaves hidden files out as the CLI does, and offers the top-level scenes', () => {
    const read = folderFiles(shot);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.files.map((f) => f.path)).toEqual(['cache/sim.abc', 'shot.blend', 'tex/wood.png', 'tex/wood_copy.png']);
    expect(mainCandidates(read.files, ['.blend'])).toEqual(['shot.blend']);
    expect(mainCandidates(read.files, ['.pov'])).toEqual([]);
    expect(folderFiles([picked('empty/.hidden', 'x')])).toEqual({ ok: false, problem: { code: 'empty' } });
  });

  it('hashes every file, sends the manifest, and uploads only the blobs the farm lacks, each once', async () => {
    const read = folderFiles(shot);
    if (!read.ok) throw new Error('folder');
    const sentManifests: unknown[] = [];
    const puts: string[] = [];
    const progress: FolderProgress[] = [];
    const out = await sendFolder(read.files, 'shot.blend', {
      manifest: async (files) => {
        sentManifests.push(files);
        // The farm holds the scene already; the texture (two paths, one blob) and the cache are missing.
        return { manifest: 'man_1', files: files.length, blobs: 3, missing: [sha('wood pixels'), sha('alembic')], missingBytes: 18 };
      },
      putBlob: async (hash) => {
        puts.push(hash);
        return { sha256: hash, size: 0, stored: true };
      },
    }, (p) => progress.push(p));
    expect(sentManifests).toEqual([[
      { path: 'cache/sim.abc', sha256: sha('alembic'), size: 7 },
      { path: 'shot.blend', sha256: sha('BLENDER-v300 scene'), size: 18 },
      { path: 'tex/wood.png', sha256: sha('wood pixels'), size: 11 },
      { path: 'tex/wood_copy.png', sha256: sha('wood pixels'), size: 11 },
    ]]);
    expect(puts.sort()).toEqual([sha('alembic'), sha('wood pixels')].sort());
    expect(out).toEqual({ scene: { kind: 'manifest', manifest: 'man_1', main: 'shot.blend' }, files: 4, alreadyThere: 1, uploaded: 3, uploadedBytes: 18 });
    expect(progress.at(-1)).toEqual({ phase: 'uploading', done: 2, total: 2, bytes: 18, totalBytes: 18 });
    expect(progress.filter((p) => p.phase === 'hashing').at(-1)).toEqual({ phase: 'hashing', done: 4, total: 4 });
  });
});

describe('the typed-job form with a scene folder', () => {
  const blenderType: RenderJobType = {
    name: 'blender',
    title: { en: 'Blender', zh: 'Blender' },
    parameters: [],
    inputs: [{ name: 'scene', kind: 'scene', extensions: ['.blend'] }],
    steps: [{ name: 'render', executable: 'blender', args: ['-b', '{input:scene}'], chunking: { kind: 'frames', framesPerChunk: 1 }, outputs: ['{outputDir}/f_{framePadded}.png'] }],
    origin: 'shipped',
    tenantId: null,
  };

  it('sends the manifest and the missing blobs, then submits the job with the manifest as its scene', async () => {
    const calls: { method: string; path: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const path = new URL(input, 'http://x').pathname;
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body;
      calls.push({ method, path, body });
      const answer =
        path === '/api/render/job-types' ? { status: 200, body: [blenderType] }
        : path === '/api/render/jobs' && method === 'GET' ? { status: 200, body: { items: [], total: 0 } }
        : path === '/api/render/manifests' ? { status: 201, body: { manifest: 'man_9', files: 4, blobs: 3, missing: [sha('alembic')], missingBytes: 7 } }
        : path.startsWith('/api/render/blobs/') ? { status: 201, body: { sha256: path.split('/').at(-1), size: 7, stored: true } }
        : path === '/api/render/jobs' ? { status: 201, body: { id: 'rjob_folder' } }
        : { status: 404, body: {} };
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
    });
    const onSubmitted = vi.fn();
    render(
      <I18nProvider initialLang="en">
        <TypedJobFormCard onSubmitted={onSubmitted} />
      </I18nProvider>,
    );
    fireEvent.click(await screen.findByTestId('render-form-scene-source-folder'));
    fireEvent.change(screen.getByTestId('render-form-scene'), { target: { files: shot } });
    expect((screen.getByTestId('render-form-sceneMain') as HTMLSelectElement).value).toBe('shot.blend');
    fireEvent.change(screen.getByTestId('render-form-frames'), { target: { value: '1-8' } });
    fireEvent.click(screen.getByTestId('render-form-submit'));
    await waitFor(() => expect(onSubmitted).toHaveBeenCalledWith({ id: 'rjob_folder' }));
    const writes = calls.filter((c) => c.method !== 'GET');
    expect(writes.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/render/manifests', `PUT /api/render/blobs/${sha('alembic')}`, 'POST /api/render/jobs']);
    expect(writes[2]!.body).toMatchObject({ type: 'blender', frames: '1-8', scene: { kind: 'manifest', manifest: 'man_9', main: 'shot.blend' } });
  });

  it('says so when the folder has no scene of the type at its top, and sends nothing', async () => {
    const calls: string[] = [];
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      const path = new URL(input, 'http://x').pathname;
      calls.push(`${init?.method ?? 'GET'} ${path}`);
      const body = path === '/api/render/job-types' ? [blenderType] : { items: [], total: 0 };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    render(
      <I18nProvider initialLang="zh-CN">
        <TypedJobFormCard onSubmitted={vi.fn()} />
      </I18nProvider>,
    );
    fireEvent.click(await screen.findByTestId('render-form-scene-source-folder'));
    fireEvent.change(screen.getByTestId('render-form-scene'), { target: { files: [picked('textures/wood.png', 'wood')] } });
    expect((await screen.findByTestId('error-scene')).textContent).toBe('文件夹顶层没有可渲染的场景文件（.blend）');
    fireEvent.change(screen.getByTestId('render-form-frames'), { target: { value: '1-8' } });
    fireEvent.click(screen.getByTestId('render-form-submit'));
    expect((await screen.findByTestId('error-scene')).textContent).toBe('请选择要渲染的文件');
    expect(calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
  });
});
