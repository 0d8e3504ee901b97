import type { WorkSource } from '../workers/source.ts';
import type { AgentExecutor } from './agent-executor.ts';
import type { NetworkStore } from './network-store.ts';

/** Compute's shell tasks on the worker protocol: for workers that run shell at a site our agents serve. */
export function shellWorkSource(network: NetworkStore, agents: AgentExecutor): WorkSource {
  return {
    kind: 'shell',
    async serves(w, runners) {
      if (!runners.includes('shell')) return false;
      const site = (await network.sitesById()).get(w.siteId);
      return site?.engine === 'agent';
    },
    sync: (w, req, signal) => agents.sync(w, req, signal),
    forget: (workerId) => agents.forget(workerId),
    holds: (workerId, f) => agents.holds(workerId, f.taskId, f.attempt) !== null,
  };
}
