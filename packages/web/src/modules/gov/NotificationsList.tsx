import type { GovNotification } from '@shuzhi/schema';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { Tx, useDoorFormat } from '../../doors/citizen/common.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { govApi } from './api.ts';

/**
 * The signed-in applicant's notifications, newest first, each markable as read. The citizen door mounts it;
 * the same notices also go out by e-mail and SMS when the applicant gave a contact.
 */
export function NotificationsList({ limit = 50, refreshMs = 10_000 }: { limit?: number; refreshMs?: number }) {
  const { t } = useI18n();
  const fmt = useDoorFormat();
  const notes = useResource(() => govApi.notifications(), []);
  useInterval(() => notes.reload(), refreshMs);
  const markRead = async (n: GovNotification) => {
    await govApi.markNotificationRead(n.id);
    notes.reload();
  };
  if (notes.error && !notes.data) return <ErrorBox error={notes.error} onRetry={notes.reload} />;
  if (!notes.data) return <Loading />;
  return (
    <section className="card" aria-labelledby="gov-notes-title" data-testid="gov-notifications-list">
      <h3 id="gov-notes-title">{t('gov.notes.title')}</h3>
      {notes.data.length === 0 ? (
        <p className="muted">{t('gov.notes.none')}</p>
      ) : (
        <ul className="gov-list">
          {notes.data.slice(0, limit).map((n) => (
            <li key={n.id} data-kind={n.kind} data-read={n.readAt ? 'true' : 'false'}>
              {!n.readAt && <span className="badge">{t('gov.notes.unread')}</span>} <Tx text={n.message} />{' '}
              <span className="muted small">{fmt.date(n.at)}</span>
              {!n.readAt && (
                <button type="button" className="btn-small" onClick={() => void markRead(n)}>
                  {t('gov.notes.markRead')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
