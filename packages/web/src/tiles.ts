import type { Overview } from '@shuzhi/schema';
import type { FigureTileProps } from './components/FigureTile.tsx';
import {
  formatCarbonKg,
  formatEnergyKWh,
  formatNumber,
  formatPercent,
  formatPflops,
} from './format.ts';
import type { I18n } from './i18n/I18nProvider.tsx';

type Ctx = Pick<I18n, 't' | 'lang'>;
export type TileSpec<D> = (data: D, ctx: Ctx) => FigureTileProps;

/** The compute module's figures on the overview wall, in reading order. */
export const computeTiles: readonly TileSpec<Overview>[] = [
  (o, { t, lang }) => ({ id: 'pflops-online', label: t('overview.pflopsOnline'), value: formatPflops(o.pflopsOnline, lang), accent: 'blue' }),
  (o, { t, lang }) => ({
    id: 'pflops-xinjiang',
    label: t('overview.pflopsXinjiang'),
    value: formatPflops(o.pflopsXinjiang, lang),
    share: o.pflopsOnline > 0 ? o.pflopsXinjiang / o.pflopsOnline : 0,
    sub: o.pflopsOnline > 0 ? formatPercent(o.pflopsXinjiang / o.pflopsOnline, lang) : undefined,
    accent: 'cyan',
  }),
  (o, { t, lang }) => ({ id: 'utilisation', label: t('overview.utilisation'), value: formatPercent(o.utilisation, lang), share: o.utilisation, accent: 'violet' }),
  (o, { t, lang }) => ({
    id: 'green-share',
    label: t('overview.greenShareToday'),
    value: formatPercent(o.greenShareToday, lang),
    share: o.greenShareToday,
    sub: t('overview.greenTarget'),
    accent: o.greenShareToday >= 0.8 ? 'green' : 'amber',
  }),
  (o, { t, lang }) => ({ id: 'jobs-running', label: t('overview.jobsRunning'), value: formatNumber(o.jobsRunning, lang, 0), accent: 'green' }),
  (o, { t, lang }) => ({ id: 'jobs-queued', label: t('overview.jobsQueued'), value: formatNumber(o.jobsQueued, lang, 0), accent: 'amber' }),
  (o, { t, lang }) => ({ id: 'energy-today', label: t('overview.energyToday'), value: formatEnergyKWh(o.energyKWhToday, lang), accent: 'blue' }),
  (o, { t, lang }) => ({ id: 'carbon-today', label: t('overview.carbonToday'), value: formatCarbonKg(o.carbonKgToday, lang), accent: 'red' }),
  (o, { t, lang }) => ({ id: 'jobs-done', label: t('overview.jobsSucceededToday'), value: formatNumber(o.jobsSucceededToday, lang, 0), accent: 'green' }),
  (o, { t, lang }) => ({ id: 'agents', label: t('overview.agentsOnline'), value: formatNumber(o.agentsOnline, lang, 0), accent: 'cyan' }),
  (o, { t, lang }) => ({
    id: 'sites-regions',
    label: t('overview.sitesRegions'),
    value: `${formatNumber(o.sites, lang, 0)} / ${formatNumber(o.regions, lang, 0)}`,
    accent: 'violet',
  }),
];
