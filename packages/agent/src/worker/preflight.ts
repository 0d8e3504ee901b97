import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Sandbox } from '../sandbox/types.ts';

/**
 * Why tasks of this sandbox could not reach their directories under `workDir`, or null. A root
 * worker's bubblewrap binds each task directory as the task's own uid, so every directory on the way
 * must let other users search it (o+x). Directories not made yet are made so by the worker.
 */
export async function workDirProblem(sandbox: Sandbox, workDir: string): Promise<string | null> {
  if (sandbox.isolation !== 'bubblewrap' || process.getuid?.() !== 0) return null;
  for (let d = resolve(workDir); ; d = dirname(d)) {
    try {
      const st = await stat(d);
      if (st.isDirectory() && !(st.mode & 0o001)) {
        return `task users cannot reach ${resolve(workDir)}: ${d} lets no other user search it (chmod o+x ${d}, or use a work directory under one others may enter, e.g. /var/lib/shuzhi/worker)`;
      }
    } catch {
      // not made yet
    }
    if (d === dirname(d)) return null;
  }
}
