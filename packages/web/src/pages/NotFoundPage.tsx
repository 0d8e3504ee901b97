import { useUser } from '../api/context.tsx';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { homePath } from '../nav.ts';
import { Link } from '../router.tsx';

/** A page that is not there for this person: what happened, and the way back to their own door. */
function Signpost({ testId, title, hint }: { testId: string; title: string; hint: string }) {
  const { t } = useI18n();
  const user = useUser();
  return (
    <div className="page page-narrow" data-testid={testId}>
      <h1>{title}</h1>
      <p className="muted">{hint}</p>
      <Link to={homePath(user?.role)} className="btn" data-testid="back-to-door">
        {t('app.backHome')}
      </Link>
    </div>
  );
}

export function NotFoundPage() {
  const { t } = useI18n();
  return <Signpost testId="not-found" title={t('app.notFound')} hint={t('app.notFoundHint')} />;
}

/**
 * A page of the app that is not for the signed-in role (a shared link, a typed address): said plainly,
 * without rendering the page, so no call the role may not make leaves the browser.
 */
export function NotAllowedPage() {
  const { t } = useI18n();
  const user = useUser();
  return <Signpost testId="not-allowed" title={t('app.notAllowed')} hint={t('app.notAllowedHint', { role: user ? t(`role.${user.role}`) : '' })} />;
}
