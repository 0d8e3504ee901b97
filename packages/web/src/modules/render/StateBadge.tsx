import type { RenderJobState } from '@shuzhi/schema';
import { useI18n } from '../../i18n/I18nProvider.tsx';

/** Render states on the shared badge colours. */
const BADGE = {
  queued: 'badge-queued',
  active: 'badge-running',
  paused: 'badge-planned',
  completed: 'badge-succeeded',
  failed: 'badge-failed',
  cancelled: 'badge-cancelled',
} as const satisfies Record<RenderJobState, string>;

export function StateBadge({ state }: { state: RenderJobState }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${BADGE[state]}`} data-state={state}>
      {t(`render.state.${state}`)}
    </span>
  );
}
