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
