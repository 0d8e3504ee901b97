import { existsSync } from 'node:fs';
import { parseRenderJobSpec, planRenderJob } from '@shuzhi/render';
import type { Dependency, JobLimits, JobRow, JobState, RenderJobPlan, TaskRow } from '@shuzhi/render';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { renderFrames, renderJobs, renderTasks } from './db-schema.ts';
import { jobLimitsOf } from './limits.ts';
import type { FarmLimits } from './limits.ts';
import { dependenciesOf } from './state.ts';
import type { FarmState, JobMeta } from './state.ts';
import type { RenderStorage } from './storage.ts';

/** Rebuilds the farm's state from the database: job rows, task rows that differ from fresh, frames. */
export async function restoreFarm(db: Db, storage: RenderStorage, state: FarmState, limits: FarmLimits, log: Logger): Promise<void> {
  await limits.load();
  const jobRows = await db.select().from(renderJobs).orderBy(renderJobs.createdAt);
  const taskRows = await db.select().from(renderTasks);
  const frameRows = await db.select({ jobId: renderFrames.jobId, frame: renderFrames.frame, hasThumb: renderFrames.hasThumb }).from(renderFrames);
  let maxSeq = jobRows.reduce((m, j) => Math.max(m, j.seq), 0);
  const metas = new Map<string, JobMeta>();
  const restoreJobs: ({ row: JobRow; plan: RenderJobPlan; dependsOn: Dependency[] } & JobLimits)[] = [];
  for (const j of jobRows) {
    const spec = parseRenderJobSpec(j.spec);
    const plan = planRenderJob(spec);
    metas.set(j.id, {
      id: j.id,
      tenantId: j.tenantId,
      name: j.name,
      spec,
      plan,
      createdAt: j.createdAt,
      createdBy: j.createdBy,
      updatedAt: j.updatedAt,
      nodeMs: j.nodeMs,
      meteredMs: j.usage ? j.nodeMs : 0,
      usage: j.usage ?? null,
      published: new Set(),
      thumbs: new Set(),
      hasPreview: existsSync(storage.previewPath(j.id)),
      lastState: j.state as JobState,
      waiting: j.admissionWait,
    });
    // A job billing has not admitted stays out of the dispatcher (see FarmState.jobStatus).
    if (j.admissionWait !== null) continue;
    // A job whose first batch never landed has seq 0: it goes after the others, in creation order.
    const seq = j.seq > 0 ? j.seq : ++maxSeq;
    restoreJobs.push({
      plan,
      ...jobLimitsOf({ spec, tenantId: j.tenantId }),
      // An upstream still held by admission is not in the dispatcher; its dependant waits with it.
      dependsOn: dependenciesOf({ spec }).filter((d) => jobRows.some((u) => u.id === d.upstream && u.admissionWait === null)),
      row: {
        id: j.id,
        seq,
        priority: j.priority,
        tags: j.tags,
        state: j.state as JobState,
        failureMessage: j.failureMessage,
        blocklist: j.blocklist,
        nodeFailures: j.nodeFailures,
      },
    });
  }
  const tasks: TaskRow[] = taskRows
    .filter((t) => metas.has(t.jobId))
    .map((t) => ({
      jobId: t.jobId,
      index: t.idx,
      state: t.state as TaskRow['state'],
      attempt: t.attempt,
      nodeId: t.nodeId,
      leaseExpiresAt: t.leaseExpiresAt,
      failedOn: t.failedOn,
    }));
  for (const f of frameRows) {
    const m = metas.get(f.jobId);
    if (!m) continue;
    m.published.add(f.frame);
    if (f.hasThumb) m.thumbs.add(f.frame);
  }
  state.rebuild([...metas.values()], restoreJobs, tasks, limits.definitions());
  log.info({ jobs: jobRows.length, taskRows: tasks.length }, 'render: dispatcher rebuilt from the database');
}
