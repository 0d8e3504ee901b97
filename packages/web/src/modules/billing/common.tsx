import type { EChartsCoreOption } from '../../charts/echarts.ts';
import { formatFen } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import type { MessageKey } from '../../i18n/dictionaries.ts';

export function StatusBadge({ status }: { status: 'active' | 'expired' | 'pending' | 'approved' | 'rejected' }) {
  const { t } = useI18n();
  const tone = status === 'active' || status === 'approved' ? 'succeeded' : status === 'pending' ? 'queued' : 'failed';
  return <span className={`badge badge-${tone}`}>{t(`billing.status.${status}` as MessageKey)}</span>;
}

/** A horizontal-axis bar chart of fen values, stacked where `stack` is given; the axis in yuan. */
export function fenBars(categories: string[], series: { name: string; data: number[]; stack?: string; color?: string }[]): EChartsCoreOption {
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatFen(v) },
    legend: { top: 0 },
    grid: { left: 70, right: 16, top: 32, bottom: 40 },
    xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, overflow: 'truncate', width: 110 } },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => `¥${Math.round(v / 100).toLocaleString()}` } },
    series: series.map((s) => ({ type: 'bar', name: s.name, data: s.data, stack: s.stack, itemStyle: s.color ? { color: s.color } : undefined })),
  };
}
