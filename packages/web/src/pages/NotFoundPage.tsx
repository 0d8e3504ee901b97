import { useI18n } from '../i18n/I18nProvider.tsx';
import { useUser } from '../api/context.tsx';
import { homePath } from '../nav.ts';
import { Link } from '../router.tsx';

export function NotFoundPage() {
  const { t } = useI18n();
  const user = useUser();
  return (
    <div className="page page-narrow" data-testid="not-found">
      <h1>{t('app.notFound')}</h1>
      <p className="muted">{t('app.notFoundHint')}</p>
      <Link to={homePath(user?.role)} className="btn">
        {t('app.backHome')}
      </Link>
    </div>
  );
}

/**
 * A page of the app that is not for the signed-in role (a shared link, a typed address): said plainly,
 * without rendering the page, so no call the role may not make leaves the browser.
 */
export function NotAllowedPage() {
  const { t } = useI18n();
  const user = useUser();
  return (
    <div className="page page-narrow" data-testid="not-allowed">
      <h1>{t('app.notAllowed')}</h1>
      <p className="muted">{t('app.notAllowedHint', { role: user ? t(`role.${user.role}`) : '' })}</p>
      <Link to={homePath(user?.role)} className="btn" data-testid="back-to-door">
        {t('app.backToDoor')}
      </Link>
    </div>
  );
}
