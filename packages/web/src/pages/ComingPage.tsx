import type { NavGroup } from '../nav.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';

export function ComingPage({ group }: { group: NavGroup }) {
  const { t } = useI18n();
  return (
    <div className="page page-narrow" data-testid={`coming-${group.id}`}>
      <div className="page-head">
        <h1>
          {t(group.label)} <span className="tag">{t('coming.title')}</span>
        </h1>
      </div>
      <div className="card">
        <p>{t('coming.intro')}</p>
        <ul className="coming-list">
          {(group.coming ?? []).map((k) => (
            <li key={k}>{t(k)}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}
