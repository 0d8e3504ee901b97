import { useLayoutEffect, useRef, type ReactNode } from 'react';
import type { MineFaceState } from '@shuzhi/schema';
import { formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { layoutFace, machineLook } from './model.ts';

const W = 172;
const H = 106;
/** Room for text inside a box: its width less the padding on both sides. */
const TEXT_W = W - 20;

/**
 * One line of text that never leaves its box: a name or a state longer than the room (English names, a
 * long fault cause) is narrowed to fit, so it cannot run into the next box or under its neighbour.
 */
function FitText({ y, className, children }: { y: number; className: string; children: ReactNode }) {
  const ref = useRef<SVGTextElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof el.getComputedTextLength !== 'function') return;
    el.removeAttribute('textLength');
    el.removeAttribute('lengthAdjust');
    if (el.getComputedTextLength() > TEXT_W) {
      el.setAttribute('textLength', String(TEXT_W));
      el.setAttribute('lengthAdjust', 'spacingAndGlyphs');
    }
  });
  return (
    <text ref={ref} x={10} y={y} className={className}>
      {children}
    </text>
  );
}
const GAP_X = 46;
const GAP_Y = 26;

/** The face drawn along its coal flow: each machine a box coloured by its state, arrows where coal goes. */
export function FaceDiagram({ face }: { face: MineFaceState }) {
  const { t, lang } = useI18n();
  const { placed, cols, rows } = layoutFace(face.machines);
  const pos = new Map(placed.map((p) => [p.id, p]));
  const x = (col: number) => 10 + col * (W + GAP_X);
  const y = (row: number) => 10 + row * (H + GAP_Y);
  const width = x(cols) - GAP_X + 10;
  const height = y(rows) - GAP_Y + 10;
  return (
    <svg className="mine-diagram" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={face.name} data-testid="mine-diagram">
      <defs>
        <marker id="mine-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#7d8ba0" />
        </marker>
      </defs>
      {face.machines.map((m) => {
        const from = pos.get(m.id);
        const to = m.dischargesOnto ? pos.get(m.dischargesOnto) : undefined;
        if (!from || !to) return null;
        const running = m.running === true;
        return (
          <line
            key={`flow-${m.id}`}
            className={`mine-flow${running ? ' mine-flow-on' : ''}`}
            x1={x(from.col) + W}
            y1={y(from.row) + H / 2}
            x2={x(to.col) - 2}
            y2={y(to.row) + H / 2}
            markerEnd="url(#mine-arrow)"
          />
        );
      })}
      {face.machines.map((m) => {
        const p = pos.get(m.id);
        if (!p) return null;
        const look = machineLook(m, face);
        const load = m.ratedCurrentA > 0 ? Math.min(1, m.motorCurrentA / m.ratedCurrentA) : 0;
        return (
          <g
            key={m.id}
            transform={`translate(${x(p.col)},${y(p.row)})`}
            className={`mine-machine mine-look-${look}`}
            data-testid={`mine-machine-${m.id}`}
            data-state={look}
          >
            <title>{`${m.name}: ${t(`mine.look.${look}`)}${m.faultCause ? ` — ${m.faultCause}` : ''}`}</title>
            <rect width={W} height={H} rx={8} />
            {/* One line each (kind, name, state, readings): they never share a line, so they cannot overlap. The
                last line sits 18 px below the one above it: a CJK font's line box (Noto Sans CJK: 1.45 em) is taller than Latin ones. */}
            <FitText y={20} className="mine-m-title">{t(`mine.kind.${m.kind}`)}</FitText>
            <FitText y={37} className="mine-m-sub">{m.name}</FitText>
            <FitText y={55} className="mine-m-state">{t(`mine.look.${look}`)}</FitText>
            <FitText y={73} className="mine-m-val">
              {`${t('mine.machine.current')} ${formatNumber(m.motorCurrentA, lang, 0)} A · ${t('mine.machine.speed')} ${formatNumber(m.chainSpeed, lang, 2)}`}
            </FitText>
            <FitText y={91} className="mine-m-val">
              {`${t('mine.machine.temp')} ${formatNumber(m.windingTempC, lang, 1)} °C${m.fault ? ` · ${m.faultCause}` : ''}`}
            </FitText>
            <rect x={10} y={96} width={TEXT_W} height={4} rx={2} className="mine-m-track" />
            <rect x={10} y={96} width={TEXT_W * load} height={4} rx={2} className="mine-m-load" />
          </g>
        );
      })}
    </svg>
  );
}
