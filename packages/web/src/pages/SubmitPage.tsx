import { useApi, useUser } from '../api/context.tsx';
import { ErrorBox, Loading } from '../components/Feedback.tsx';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { SUBMIT_ROLES } from '../nav.ts';
import { navigate } from '../router.tsx';
import { useResource } from '../useResource.ts';
import { SubmitForm } from './SubmitForm.tsx';

export function SubmitPage() {
  const api = useApi();
  const user = useUser();
  const { t } = useI18n();
  const lists = useResource(async () => {
    const [sites, regions] = await Promise.all([api.sites(), api.regions()]);
    return { sites, regions };
  }, []);
  const allowed = user !== null && (SUBMIT_ROLES as readonly string[]).includes(user.role);

  return (
    <div className="page page-narrow">
      <div className="page-head">
        <h1>{t('submit.title')}</h1>
      </div>
      <p className="muted">{t('submit.intro')}</p>
      {!allowed ? (
        <p className="notice">{t('submit.notAllowed')}</p>
      ) : lists.error && !lists.data ? (
        <ErrorBox error={lists.error} onRetry={lists.reload} />
      ) : !lists.data ? (
        <Loading />
      ) : (
        <SubmitForm
          sites={lists.data.sites}
          regions={lists.data.regions}
          onSubmitted={(job) => navigate(`/compute/jobs/${encodeURIComponent(job.id)}`)}
        />
      )}
    </div>
  );
}
