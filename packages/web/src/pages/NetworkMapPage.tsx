import { NetworkMap } from '../components/NetworkMap.tsx';
import { useI18n } from '../i18n/I18nProvider.tsx';

export function NetworkMapPage() {
  const { t } = useI18n();
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('map.title')}</h1>
      </div>
      <div className="card">
        <div className="legend-line muted small">
          <span>{t('map.legendGreen')}</span>
          <span>{t('map.legendSize')}</span>
          <span>{t('map.note')}</span>
        </div>
        <NetworkMap height={600} />
      </div>
    </div>
  );
}
