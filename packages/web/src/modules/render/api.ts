import type { RenderAction, RenderJob, RenderJobSubmit } from '@shuzhi/schema';
import { http, ok } from '../../api/client.ts';

const enc = encodeURIComponent;

/** Typed by the API's generated paths, through the shared client (same errors, same problem+json). */
export const renderApi = {
  overview: () => ok(http.GET('/api/render/overview')),
  jobs: (offset = 0) => ok(http.GET('/api/render/jobs', { params: { query: { limit: 50, offset } } })),
  job: (id: string) => ok(http.GET('/api/render/jobs/{id}', { params: { path: { id }, query: { taskLimit: 500 } } })),
  frames: (id: string) => ok(http.GET('/api/render/jobs/{id}/frames', { params: { path: { id }, query: { limit: 1000 } } })),
  logs: (id: string, index: number) => ok(http.GET('/api/render/jobs/{id}/logs', { params: { path: { id }, query: { index, limit: 2000 } } })),
  nodes: (offset = 0) => ok(http.GET('/api/render/nodes', { params: { query: { limit: 500, offset } } })),
  control: (id: string, action: RenderAction) => ok(http.POST('/api/render/jobs/{id}/{action}', { params: { path: { id, action } } })),
  controlTask: (id: string, index: number, action: RenderAction) =>
    ok(http.POST('/api/render/jobs/{id}/tasks/{index}/{action}', { params: { path: { id, index, action } } })),
  jobTypes: () => ok(http.GET('/api/render/job-types')),
  /** A studio's own job type: the document as parsed from its JSON; the server validates it. */
  putJobType: (doc: unknown) => ok(http.POST('/api/render/job-types', { body: doc as never })),
  submit: (body: RenderJobSubmit) => ok(http.POST('/api/render/jobs', { body })),
  /** A scene file's bytes, as they are (the client sends an octet-stream body as bytes). */
  upload: (file: File) =>
    ok(
      http.POST('/api/render/uploads', {
        params: { query: { fileName: file.name } },
        body: file as never,
        bodySerializer: (b: unknown) => b as Blob,
        headers: { 'content-type': 'application/octet-stream' },
      }),
    ),
  /** A scene folder's manifest: the farm answers its id and the hashes it lacks for this studio. */
  manifest: (files: { path: string; sha256: string; size: number }[]) => ok(http.POST('/api/render/manifests', { body: { files } })),
  /** One scene file by its hash; the server hashes the bytes again and refuses a mismatch. */
  putBlob: (sha256: string, blob: Blob) =>
    ok(
      http.PUT('/api/render/blobs/{sha256}', {
        params: { path: { sha256 } },
        body: blob as never,
        bodySerializer: (b: unknown) => b as Blob,
        headers: { 'content-type': 'application/octet-stream' },
      }),
    ),
  thumbUrl: (id: string, frame: number) => `/api/render/jobs/${enc(id)}/frames/${frame}/thumb`,
  frameUrl: (id: string, frame: number) => `/api/render/jobs/${enc(id)}/frames/${frame}/file`,
  previewUrl: (id: string) => `/api/render/jobs/${enc(id)}/preview`,
};

/** Share of the job settled: completed or cancelled tasks over all tasks. */
export function jobProgress(j: Pick<RenderJob, 'counts' | 'taskCount'>): number {
  return j.taskCount ? (j.counts.completed + j.counts.cancelled) / j.taskCount : 0;
}
