import type { WorkSource } from '../workers/source.ts';
import type { RenderFarm } from './farm.ts';

/** The farm's chunks and previews on the worker protocol: for workers at the farm's site that have a renderer. */
export function renderWorkSource(farm: RenderFarm): WorkSource {
  return {
    kind: 'render',
    serves: async (w, runners) => w.siteId === farm.opts.siteId && (runners.includes('blender') || runners.includes('povray')),
    sync: (w, req, signal) => farm.syncWorker(w, req, signal),
    forget: (workerId) => farm.forgetWorker(workerId),
    holds: (workerId, f) => farm.holdsLease(workerId, f),
  };
}
