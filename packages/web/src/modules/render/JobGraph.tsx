import type { RenderJob, RenderJobState } from '@shuzhi/schema';
import { DagGraph } from '../../components/DagGraph.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { renderApi } from './api.ts';
import { chainEdges, loadChain } from './job-chain.ts';

const COLOURS = { queued: '#ef6c00', active: '#1565c0', paused: '#6a1b9a', completed: '#2e7d32', failed: '#c62828', cancelled: '#757575' } as const satisfies Record<RenderJobState, string>;
const FINAL: readonly RenderJobState[] = ['completed', 'failed', 'cancelled'];

/**
 * The whole chain the job is in (render → composite → encode, and the other inputs of a shared
 * dependant), each box with its state and frames and linking to its job; a held job says why.
 */
export function JobGraph({ job }: { job: RenderJob }) {
  const { t } = useI18n();
  const linked = job.dependsOn.length + job.dependants.length > 0;
  const chain = useResource(() => (linked ? loadChain(job, (id) => renderApi.job(id)) : Promise.resolve(null)), [job.id, linked]);
  const jobs = new Map<string, RenderJob>(chain.data?.jobs ?? []);
  jobs.set(job.id, job);
  // The page reloads the job itself; the others are reloaded here while any of them can still change.
  useInterval(() => chain.reload(), linked && [...jobs.values()].some((j) => !FINAL.includes(j.state)) ? 4000 : null);
  if (!linked) return null;
  const held = [...jobs.values()].filter((j) => j.heldReason && j.id !== job.id);
  const modeText = (mode: 'job' | 'frame') => t(mode === 'frame' ? 'render.deps.frame' : 'render.deps.job');
  const edges = chainEdges(jobs);
  return (
    <div className="card" data-testid="render-job-deps">
      <h3>{t('render.deps.title')}</h3>
      {job.heldReason && (
        <p className="error-box" data-testid="render-job-held">
          {t('render.deps.held', { reason: job.heldReason })}
        </p>
      )}
      <DagGraph
        testId="render-job-graph"
        label={t('render.deps.title')}
        nodes={[...jobs.values()].map((j) => ({
          id: j.id,
          label: j.name.length > 24 ? `${j.name.slice(0, 23)}…` : j.name,
          detail: `${t(`render.state.${j.state}`)} · ${j.framesDone}/${j.frameCount}${j.heldReason ? ` · ${t('render.deps.heldShort')}` : ''}`,
          colour: j.heldReason ? COLOURS.failed : COLOURS[j.state],
          href: `#/render/jobs/${encodeURIComponent(j.id)}`,
          current: j.id === job.id,
        }))}
        edges={edges.map((e) => ({ from: e.from, to: e.to, label: modeText(e.mode) }))}
      />
      {held.map((j) => (
        <p className="muted" key={j.id} data-testid={`render-chain-held-${j.id}`}>
          {j.name}: {t('render.deps.held', { reason: j.heldReason! })}
        </p>
      ))}
      {chain.data?.truncated && <p className="muted">{t('render.deps.truncated')}</p>}
    </div>
  );
}
