import type { PowerCurve } from '@shuzhi/schema';
import type { EChartsCoreOption } from './echarts.ts';
import { formatShortTime } from '../format.ts';
import type { I18n } from '../i18n/I18nProvider.tsx';

type Ctx = Pick<I18n, 't'>;

const baseAxes = (curve: PowerCurve) => ({
  grid: { left: 64, right: 64, top: 40, bottom: 36 },
  tooltip: { trigger: 'axis' },
  legend: { top: 0 },
  dataZoom: [{ type: 'inside' }],
  xAxis: {
    type: 'category',
    boundaryGap: false,
    data: curve.hours.map((h) => formatShortTime(h.at)),
    // Category labels are "MM-DD HH:mm": tick every six Beijing hours, with the date instead of the time at midnight.
    axisLabel: {
      interval: (_index: number, v: string) => Number(v.slice(6, 8)) % 6 === 0,
      formatter: (v: string) => (v.slice(6, 8) === '00' ? v.slice(0, 5) : v.slice(6)),
    },
  },
});

/** Renewable output against the site's load: where the two areas overlap, the load runs on green power. */
export function renewableVsLoadOption(curve: PowerCurve, { t }: Ctx): EChartsCoreOption {
  return {
    ...baseAxes(curve),
    yAxis: { type: 'value', name: 'kW' },
    series: [
      {
        name: t('site.series.renewable'),
        type: 'line',
        smooth: true,
        showSymbol: false,
        areaStyle: { opacity: 0.25 },
        itemStyle: { color: '#3fb950' },
        data: curve.hours.map((h) => Math.round(h.renewableKW)),
      },
      {
        name: t('site.series.load'),
        type: 'line',
        step: 'middle',
        showSymbol: false,
        itemStyle: { color: '#2f6fdf' },
        data: curve.hours.map((h) => Math.round(h.loadKW)),
      },
    ],
  };
}

/** Time-of-use tariff and grid carbon intensity on two axes: the signals the planner chases. */
export function tariffCarbonOption(curve: PowerCurve, { t }: Ctx): EChartsCoreOption {
  return {
    ...baseAxes(curve),
    yAxis: [
      { type: 'value', name: t('site.series.tariff'), position: 'left' },
      { type: 'value', name: t('site.series.carbon'), position: 'right', splitLine: { show: false } },
    ],
    series: [
      {
        name: t('site.series.tariff'),
        type: 'line',
        step: 'middle',
        showSymbol: false,
        itemStyle: { color: '#d29922' },
        data: curve.hours.map((h) => h.tariffFenPerKWh),
      },
      {
        name: t('site.series.carbon'),
        type: 'line',
        yAxisIndex: 1,
        smooth: true,
        showSymbol: false,
        itemStyle: { color: '#8b949e' },
        data: curve.hours.map((h) => Math.round(h.carbonGPerKWh)),
      },
    ],
  };
}
