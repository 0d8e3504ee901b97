import { formatPercent } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';

export function ShareBar({ share, kind = 'util' }: { share: number | undefined; kind?: 'util' | 'green' }) {
  const { lang } = useI18n();
  if (share === undefined || !Number.isFinite(share)) return <span className="muted">—</span>;
  const w = Math.max(0, Math.min(1, share)) * 100;
  return (
    <span className={`share share-${kind}`}>
      <span className="share-track">
        <i style={{ width: `${w}%` }} />
      </span>
      <span className="share-text">{formatPercent(share, lang)}</span>
    </span>
  );
}
