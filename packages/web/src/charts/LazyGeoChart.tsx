import { lazy, Suspense, type ComponentProps } from 'react';

// The map's chart waits for the boundary data too: both load with the first map, in parallel.
const GeoChartImpl = lazy(() =>
  Promise.all([import('./EChart.tsx'), import('./geo/register.ts').then((g) => g.registerChinaMap())]).then(([m]) => ({ default: m.EChart })),
);

export function LazyGeoChart(props: ComponentProps<typeof GeoChartImpl>) {
  return (
    <Suspense fallback={<div className={props.className ?? 'chart'} style={props.style} />}>
      <GeoChartImpl {...props} />
    </Suspense>
  );
}
