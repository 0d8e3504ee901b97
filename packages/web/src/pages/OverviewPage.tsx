import { modules } from '../modules/registry.ts';
import { Suspense, useEffect, useState, type ComponentType } from 'react';
import type { Region, Role, Site } from '@shuzhi/schema';
import { useApi, useServerEvents, useUser } from '../api/context.tsx';
import { ErrorBox, Loading } from '../components/Feedback.tsx';
import { FigureTile } from '../components/FigureTile.tsx';
import { NetworkMap } from '../components/NetworkMap.tsx';
import { ShareBar } from '../components/ShareBar.tsx';
import { siteName, sitePflops } from '../charts/networkMapOption.ts';
import { formatClock, formatKW, formatPflops } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { Link } from '../router.tsx';
import { computeTiles } from '../tiles.ts';
import { useInterval, useResource } from '../useResource.ts';

/** Compute's figure tiles; refreshed by `overview` events with a slow poll as a fallback. */
function ComputeFigures() {
  const api = useApi();
  const { t, lang } = useI18n();
  const overview = useResource(() => api.overview(), []);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  useEffect(() => {
    if (overview.data) setUpdatedAt(Date.now());
  }, [overview.data]);
  useServerEvents(['overview', 'job', 'site'], () => overview.reload(), 1000);
  useInterval(() => overview.reload(), 15_000);

  if (overview.error && !overview.data) return <ErrorBox error={overview.error} onRetry={overview.reload} />;
  if (!overview.data) return <Loading />;
  const o = overview.data;
  return (
    <>
      {computeTiles.map((spec) => {
        const p = spec(o, { t, lang });
        return <FigureTile key={p.id} {...p} />;
      })}
      {updatedAt && (
        <div className="tile-updated muted small">{t('overview.updated', { time: formatClock(updatedAt) })}</div>
      )}
    </>
  );
}

/** Other modules add their tile components here; each fills cells of the same grid. */
const overviewSections: ReadonlyArray<{ Section: ComponentType; roles?: readonly Role[] }> = [
  { Section: ComputeFigures },
  ...modules.flatMap((m) => (m.overviewTiles ? [{ Section: m.overviewTiles, roles: m.overviewTileRoles }] : [])),
];

/** The sections whose calls the server allows this role: a tenant sees no mine tiles, as it may not watch the mine. */
export function sectionsFor(role: Role | undefined): ComponentType[] {
  return overviewSections.filter((s) => !s.roles || (role !== undefined && s.roles.includes(role))).map((s) => s.Section);
}

function SitesLiveTable() {
  const api = useApi();
  const { t, lang } = useI18n();
  const sites = useResource(async () => {
    const [s, r] = await Promise.all([api.sites(), api.regions()]);
    return { sites: s, regions: r };
  }, []);
  useServerEvents(['site', 'overview'], () => sites.reload(), 1000);
  useInterval(() => sites.reload(), 30_000);
  if (sites.error && !sites.data) return <ErrorBox error={sites.error} onRetry={sites.reload} />;
  if (!sites.data) return <Loading />;
  const regionName = new Map(sites.data.regions.map((r: Region) => [r.id, lang === 'en' ? r.nameEn : r.nameZh]));
  const sorted = [...sites.data.sites].sort((a: Site, b: Site) => sitePflops(b) - sitePflops(a));
  return (
    <table className="table table-dark" data-testid="overview-sites">
      <thead>
        <tr>
          <th>{t('site.name')}</th>
          <th>{t('site.region')}</th>
          <th className="num">{t('site.pflops')}</th>
          <th>{t('site.utilisation')}</th>
          <th>{t('site.greenNow')}</th>
          <th className="num">{t('site.loadNow')}</th>
          <th className="num">{t('site.agents')}</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((s) => (
          <tr key={s.id}>
            <td>
              <Link to={`/compute/sites/${encodeURIComponent(s.id)}`}>{siteName(s, lang)}</Link>
            </td>
            <td>{regionName.get(s.region) ?? s.region}</td>
            <td className="num">{formatPflops(sitePflops(s), lang)}</td>
            <td>
              <ShareBar share={s.live?.utilisation} />
            </td>
            <td>
              <ShareBar share={s.live?.greenShareNow} kind="green" />
            </td>
            <td className="num">{s.live ? formatKW(s.live.loadKWNow, lang) : '—'}</td>
            <td className="num">{s.live?.agentsOnline ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FullscreenButton() {
  const { t } = useI18n();
  const [full, setFull] = useState(() => typeof document !== 'undefined' && !!document.fullscreenElement);
  useEffect(() => {
    const on = () => setFull(!!document.fullscreenElement);
    document.addEventListener('fullscreenchange', on);
    return () => document.removeEventListener('fullscreenchange', on);
  }, []);
  if (typeof document === 'undefined' || !document.fullscreenEnabled) return null;
  return (
    <button
      type="button"
      className="btn btn-ghost-dark"
      onClick={() => {
        if (document.fullscreenElement) void document.exitFullscreen();
        else void document.querySelector('.bigscreen')?.requestFullscreen();
      }}
    >
      {full ? t('overview.exitFullscreen') : t('overview.fullscreen')}
    </button>
  );
}

export function OverviewPage() {
  const { t } = useI18n();
  const user = useUser();
  return (
    <div className="bigscreen" data-testid="overview">
      <div className="bigscreen-head">
        <h1>{t('overview.title')}</h1>
        <FullscreenButton />
      </div>
      <div className="tile-grid">
        {sectionsFor(user?.role).map((Section, i) => (
          // A module's tiles come with their own chunk; the other tiles do not wait for them.
          <Suspense key={i} fallback={null}>
            <Section />
          </Suspense>
        ))}
      </div>
      <div className="bigscreen-panels">
        <section className="panel-dark">
          <h2>{t('map.title')}</h2>
          <NetworkMap dark height={440} />
        </section>
        <section className="panel-dark">
          <h2>{t('overview.sitesTable')}</h2>
          <SitesLiveTable />
        </section>
      </div>
    </div>
  );
}
