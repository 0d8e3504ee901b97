import type { JobStatus, Run } from '@shuzhi/schema';
import { useI18n } from '../i18n/I18nProvider.tsx';

export function StatusBadge({ status, testId }: { status: JobStatus; testId?: string }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${status}`} data-status={status} data-testid={testId}>
      {t(`status.${status}`)}
    </span>
  );
}

export function RunStatusBadge({ status }: { status: Run['status'] }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {t(`runStatus.${status}`)}
    </span>
  );
}
