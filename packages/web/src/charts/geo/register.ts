import { echarts } from '../echarts.ts';
import { CHINA_MAP } from '../networkMapOption.ts';

/**
 * Loads the boundary data (its own chunk, fetched with the first map, never with the console's first page)
 * and registers it once. Registered as `china` so ECharts adds the South China Sea islands inset.
 */
let loading: Promise<void> | null = null;
export function registerChinaMap(): Promise<void> {
  loading ??= import('./china-xinjiang.json').then((m) => {
    echarts.registerMap(CHINA_MAP, m.default as unknown as Parameters<typeof echarts.registerMap>[1]);
  });
  return loading;
}
