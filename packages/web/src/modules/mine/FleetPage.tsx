import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { mineApi } from './api.ts';

/** The region's 66 mines (29 intelligent) — figures marked unverified, production as demo data. */
export function FleetPage() {
  const { t, lang } = useI18n();
  const fleet = useResource(() => mineApi.fleet(), []);
  useInterval(() => fleet.reload(), 10_000);
  if (fleet.error && !fleet.data) return <ErrorBox error={fleet.error} onRetry={fleet.reload} />;
  if (!fleet.data) return <Loading />;
  const f = fleet.data;
  const today = f.mines.reduce((a, m) => a + m.outputTodayT, 0);
  const name = (m: (typeof f.mines)[number]) => (lang === 'en' ? m.nameEn : m.nameZh);
  return (
    <div className="page" data-testid="mine-fleet-page">
      <div className="page-head">
        <h1>
          {t('mine.fleet.title')} {f.unverified && <span className="tag" data-testid="mine-fleet-unverified">{t('mine.fleet.unverified')}</span>}
        </h1>
      </div>
      <p className="muted">{t('mine.fleet.note')}</p>
      <div className="tile-grid mine-tiles">
        <FigureTile id="mine-total" label={`${t('mine.fleet.total')} (${t('mine.fleet.unverified')})`} value={String(f.total)} accent="blue" />
        <FigureTile id="mine-intelligent" label={`${t('mine.fleet.intelligent')} (${t('mine.fleet.unverified')})`} value={String(f.intelligent)} accent="green" share={f.intelligent / f.total} />
        <FigureTile id="mine-live" label={t('mine.fleet.liveFaces')} value={String(f.mines.filter((m) => m.live).length)} accent="cyan" />
        <FigureTile id="mine-output" label={t('mine.fleet.outputToday')} value={`${formatNumber(today / 1000, lang, 1)}\u00a0kt`} accent="amber" />
      </div>
      <div className="card card-flush">
        <table className="table" data-testid="mine-fleet-table">
          <thead>
            <tr>
              <th>{t('mine.fleet.col.name')}</th>
              <th>{t('mine.fleet.col.area')}</th>
              <th>{t('mine.fleet.col.grade')}</th>
              <th className="num">{t('mine.fleet.col.capacity')}</th>
              <th className="num">{t('mine.fleet.col.today')}</th>
              <th className="num">{t('mine.fleet.col.month')}</th>
              <th>{t('mine.fleet.col.live')}</th>
            </tr>
          </thead>
          <tbody>
            {f.mines.map((m) => (
              <tr key={m.id} data-testid={`mine-fleet-${m.id}`} data-intelligent={m.intelligent}>
                <td>{name(m)}</td>
                <td>{m.area}</td>
                <td>
                  <span className={`badge ${m.intelligent ? 'badge-succeeded' : 'badge-queued'}`}>{t(`mine.grade.${m.grade}`)}</span>
                </td>
                <td className="num">{formatNumber(m.capacityMtPerYear, lang, 1)}</td>
                <td className="num">{formatNumber(m.outputTodayT, lang, 0)}</td>
                <td className="num">{formatNumber(m.outputMonthKt, lang, 1)}</td>
                <td>
                  {m.faceId ? (
                    <Link to={`/mine/faces/${encodeURIComponent(m.faceId)}`}>
                      <span className={`badge ${m.live ? 'badge-succeeded' : 'badge-failed'}`}>{t(m.live ? 'mine.fleet.live' : 'mine.fleet.offline')}</span>
                    </Link>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Tiles for the overview wall. */
export function MineOverviewTiles() {
  const { t, lang } = useI18n();
  const fleet = useResource(() => mineApi.fleet(), []);
  const faces = useResource(() => mineApi.faces(), []);
  useInterval(() => faces.reload(), 10_000);
  if (!fleet.data) return null;
  const maxCh4 = Math.max(0, ...(faces.data ?? []).map((f) => f.maxCh4Pct ?? 0));
  return (
    <>
      <FigureTile id="mine-total" label={t('mine.tile.mines')} value={String(fleet.data.total)} accent="blue" />
      <FigureTile id="mine-intelligent" label={t('mine.tile.intelligent')} value={String(fleet.data.intelligent)} accent="green" share={fleet.data.intelligent / fleet.data.total} />
      <FigureTile id="mine-faces" label={t('mine.tile.faces')} value={String((faces.data ?? []).filter((f) => f.connected).length)} accent="cyan" />
      <FigureTile id="mine-ch4" label={t('mine.tile.ch4')} value={`${formatNumber(maxCh4, lang, 2)}\u00a0%`} accent={maxCh4 >= 1 ? 'red' : 'amber'} />
    </>
  );
}
