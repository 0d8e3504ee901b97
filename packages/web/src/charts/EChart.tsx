import { useEffect, useRef, type CSSProperties } from 'react';
import { echarts, type EChartsCoreOption } from './echarts.ts';

/**
 * A chart that follows its option: created once, updated in place (so live refreshes do not
 * reset tooltips or zoom), resized with its box, disposed on unmount.
 */
export function EChart({
  option,
  style,
  className,
  label,
  onOption,
}: {
  option: EChartsCoreOption;
  style?: CSSProperties;
  className?: string;
  /** The chart's accessible name: a labelled chart is announced as one image. */
  label?: string;
  /** Called with the option the chart holds after each update (what it draws, for text alternatives and tests). */
  onOption?: (held: EChartsCoreOption) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<typeof echarts.init> | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => c.resize());
    ro?.observe(el);
    return () => {
      ro?.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.setOption(option, { notMerge: false, lazyUpdate: true, replaceMerge: ['series'] });
    onOption?.(c.getOption());
  }, [option, onOption]);

  // A canvas says nothing to a screen reader: a labelled chart is one image with a name (the figures are in the page's tables).
  return <div ref={box} className={className ?? 'chart'} style={style} {...(label ? { role: 'img', 'aria-label': label } : {})} />;
}
