import { useState } from 'react';
import type { MapView } from '../charts/networkMapOption.ts';
import { NetworkMap } from '../components/NetworkMap.tsx';
import { useI18n } from '../i18n/I18nProvider.tsx';

const VIEWS: readonly { view: MapView; label: 'map.viewRegional' | 'map.viewNational' }[] = [
  { view: 'regional', label: 'map.viewRegional' },
  { view: 'national', label: 'map.viewNational' },
];

export function NetworkMapPage() {
  const { t } = useI18n();
  // The regional view is the default: the national one depends on boundary data that is not a certified standard map.
  const [view, setView] = useState<MapView>('regional');
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('map.title')}</h1>
        <div className="map-views" role="group" aria-label={t('map.view')}>
          {VIEWS.map((v) => (
            <button
              key={v.view}
              type="button"
              className={view === v.view ? 'btn btn-primary' : 'btn'}
              aria-pressed={view === v.view}
              onClick={() => setView(v.view)}
            >
              {t(v.label)}
            </button>
          ))}
        </div>
      </div>
      <div className="card">
        <div className="legend-line muted small">
          <span>{t('map.legendGreen')}</span>
          <span>{t('map.legendSize')}</span>
          <span>{t('map.note')}</span>
        </div>
        <NetworkMap height={600} view={view} roam />
      </div>
    </div>
  );
}
