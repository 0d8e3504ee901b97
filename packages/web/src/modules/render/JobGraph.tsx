import type { RenderJob, RenderJobState } from '@shuzhi/schema';
import { DagGraph } from '../../components/DagGraph.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { renderApi } from './api.ts';

const COLOURS = { queued: '#ef6c00', active: '#1565c0', paused: '#6a1b9a', completed: '#2e7d32', failed: '#c62828', cancelled: '#757575' } as const satisfies Record<RenderJobState, string>;

/** The job among the jobs it runs after and the jobs that run after it, each box linking to its job. */
export function JobGraph({ job }: { job: RenderJob }) {
  const { t } = useI18n();
  const ids = [...job.dependsOn, ...job.dependants].map((d) => d.job);
  const others = useResource(() => Promise.all(ids.map((id) => renderApi.job(id).catch(() => null))), [ids.join(',')]);
  if (ids.length === 0) return null;
  const known = new Map((others.data ?? []).flatMap((j) => (j ? [[j.id, j] as const] : [])));
  const box = (id: string, current: boolean) => {
    const j = current ? job : known.get(id);
    return {
      id,
      label: j ? (j.name.length > 24 ? `${j.name.slice(0, 23)}…` : j.name) : id,
      detail: j ? `${t(`render.state.${j.state}`)} · ${j.framesDone}/${j.frameCount}` : '…',
      colour: j ? COLOURS[j.state] : '#607d8b',
      href: `#/render/jobs/${encodeURIComponent(id)}`,
      current,
    };
  };
  const modeText = (mode: 'job' | 'frame') => t(mode === 'frame' ? 'render.deps.frame' : 'render.deps.job');
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
        nodes={[...job.dependsOn.map((d) => box(d.job, false)), box(job.id, true), ...job.dependants.map((d) => box(d.job, false))]}
        edges={[
          ...job.dependsOn.map((d) => ({ from: d.job, to: job.id, label: modeText(d.mode) })),
          ...job.dependants.map((d) => ({ from: job.id, to: d.job, label: modeText(d.mode) })),
        ]}
      />
    </div>
  );
}
