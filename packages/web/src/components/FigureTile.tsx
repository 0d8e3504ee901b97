export type TileAccent = 'blue' | 'green' | 'amber' | 'cyan' | 'violet' | 'red';

export interface FigureTileProps {
  id: string;
  label: string;
  value: string;
  sub?: string | undefined;
  accent?: TileAccent | undefined;
  /** 0–1: drawn as a bar under the figure (utilisation, green share). */
  share?: number | undefined;
  wide?: boolean | undefined;
}

/** "5,281 PFLOPS" → figure and unit, so the unit can be set smaller and the figure never gets clipped. */
function splitUnit(value: string): [string, string | null] {
  const at = value.lastIndexOf('\u00a0');
  return at > 0 ? [value.slice(0, at), value.slice(at + 1)] : [value, null];
}

/** One big figure on the wall; the grid that holds tiles takes any number from any module. */
export function FigureTile({ id, label, value, sub, accent = 'blue', share, wide }: FigureTileProps) {
  const [figure, unit] = splitUnit(value);
  return (
    <div className={`tile tile-${accent}${wide ? ' tile-wide' : ''}`} data-testid={`tile-${id}`}>
      <div className="tile-label">{label}</div>
      <div className="tile-value" data-value={value}>
        {figure}
        {unit && <span className="tile-unit">{unit}</span>}
      </div>
      {share !== undefined && (
        <div className="tile-bar">
          <i style={{ width: `${Math.max(0, Math.min(1, share)) * 100}%` }} />
        </div>
      )}
      {sub && <div className="tile-sub">{sub}</div>}
    </div>
  );
}
