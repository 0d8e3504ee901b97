import type { ReactNode } from 'react';
import { ApiError, NETWORK_ERROR } from '../api/client.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';

export function Loading() {
  const { t } = useI18n();
  return <div className="loading" role="status">{t('app.loading')}</div>;
}

/** The message a user can act on: the server's problem detail when there is one. */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  return (err) => {
    if (err instanceof ApiError) {
      if (err.code === NETWORK_ERROR) return t('error.network');
      return t('error.generic', { status: err.code, detail: err.message });
    }
    return err instanceof Error ? err.message : String(err);
  };
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const text = useErrorText();
  return (
    <div className="error-box" role="alert">
      <strong>{t('app.errorTitle')}</strong>
      <span>{text(error)}</span>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  );
}

/** A list or page with nothing to show yet: says so instead of leaving a blank card. */
export function EmptyState({ children, testId }: { children: ReactNode; testId?: string }) {
  return <p className="empty" data-testid={testId ?? 'empty'}>{children}</p>;
}
