import { useI18n } from '../i18n/I18nProvider.tsx';
import { HOME_PATH } from '../nav.ts';
import { Link } from '../router.tsx';

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <div className="page page-narrow">
      <h1>{t('app.notFound')}</h1>
      <p className="muted">{t('app.notFoundHint')}</p>
      <Link to={HOME_PATH} className="btn">
        {t('app.backHome')}
      </Link>
    </div>
  );
}
