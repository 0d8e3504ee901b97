import { lazy, Suspense, type ComponentProps } from 'react';

// ECharts is most of the bundle's weight; it loads with the first chart, not with the login page.
const EChartImpl = lazy(() => import('./EChart.tsx').then((m) => ({ default: m.EChart })));

export function LazyEChart(props: ComponentProps<typeof EChartImpl>) {
  return (
    <Suspense fallback={<div className={props.className ?? 'chart'} style={props.style} />}>
      <EChartImpl {...props} />
    </Suspense>
  );
}
