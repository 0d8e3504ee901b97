import type { RenderAction, RenderFarmOverview, RenderFrame, RenderJob, RenderJobDetail, RenderLogLine, RenderNodeInfo, RenderTask } from '@shuzhi/schema';
import { apiRequest } from '../../api/client.ts';

/** This module's calls go through the shared client's request (same errors, same problem+json). */
const call = <T,>(method: string, path: string, body?: unknown): Promise<T> => apiRequest<T>(method, path, body);

const enc = encodeURIComponent;

export const renderApi = {
  overview: () => call<RenderFarmOverview>('GET', '/render/overview'),
  jobs: (offset = 0) => call<{ items: RenderJob[]; total: number }>('GET', `/render/jobs?limit=50&offset=${offset}`),
  job: (id: string) => call<RenderJobDetail>('GET', `/render/jobs/${enc(id)}?taskLimit=500`),
  frames: (id: string) => call<{ items: RenderFrame[]; total: number }>('GET', `/render/jobs/${enc(id)}/frames?limit=1000`),
  logs: (id: string, index: number) => call<{ items: RenderLogLine[] }>('GET', `/render/jobs/${enc(id)}/logs?index=${index}&limit=2000`),
  nodes: (offset = 0) => call<{ items: RenderNodeInfo[]; total: number }>('GET', `/render/nodes?limit=500&offset=${offset}`),
  control: (id: string, action: RenderAction) => call<RenderJob>('POST', `/render/jobs/${enc(id)}/${action}`),
  controlTask: (id: string, index: number, action: RenderAction) => call<RenderTask>('POST', `/render/jobs/${enc(id)}/tasks/${index}/${action}`),
  thumbUrl: (id: string, frame: number) => `/api/render/jobs/${enc(id)}/frames/${frame}/thumb`,
  frameUrl: (id: string, frame: number) => `/api/render/jobs/${enc(id)}/frames/${frame}/file`,
  previewUrl: (id: string) => `/api/render/jobs/${enc(id)}/preview`,
};

/** Share of the job settled: completed or cancelled tasks over all tasks. */
export function jobProgress(j: Pick<RenderJob, 'counts' | 'taskCount'>): number {
  return j.taskCount ? (j.counts.completed + j.counts.cancelled) / j.taskCount : 0;
}
