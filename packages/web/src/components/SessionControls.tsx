import type { User } from '@shuzhi/schema';
import { useI18n } from '../i18n/I18nProvider.tsx';

/** Who is signed in (name and role) and the sign-out button, as every door's header shows them. */
export function SessionControls({ user, onLogout }: { user: User; onLogout: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <span className="user" data-testid="current-user" data-role={user.role}>
        <span className="user-name">{user.displayName || user.username}</span>
        <span className="user-role">{t(`role.${user.role}`)}</span>
      </span>
      <button type="button" className="btn btn-ghost" data-testid="logout" onClick={() => onLogout()}>
        {t('auth.logout')}
      </button>
    </>
  );
}
