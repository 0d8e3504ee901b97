import { layoutDag } from '../pages/workflows/dagLayout.ts';

export interface DagGraphNode {
  readonly id: string;
  readonly label: string;
  readonly detail: string;
  /** Border and detail colour. */
  readonly colour: string;
  readonly href?: string;
  /** Drawn thicker: the page's own node. */
  readonly current?: boolean;
}

export interface DagGraphEdge {
  readonly from: string;
  readonly to: string;
  /** A text on the arrow (the kind of dependency), none for a plain one. */
  readonly label?: string;
}

const BOX_W = 190;
const BOX_H = 56;
const COL_GAP = 80;
const ROW_GAP = 24;

/** A small DAG as SVG, laid out in columns by depth (dagLayout.ts): boxes with a label and a detail line, arrows between. */
export function DagGraph({ nodes, edges, label, testId }: { nodes: readonly DagGraphNode[]; edges: readonly DagGraphEdge[]; label: string; testId: string }) {
  const layout = layoutDag(nodes.map((n) => n.id), edges);
  const pos = new Map(layout.nodes.map((n) => [n.name, { x: 10 + n.col * (BOX_W + COL_GAP), y: 10 + n.row * (BOX_H + ROW_GAP) }]));
  const width = 20 + layout.cols * (BOX_W + COL_GAP) - COL_GAP;
  const height = 20 + layout.rows * (BOX_H + ROW_GAP) - ROW_GAP;
  const arrowId = `${testId}-arrow`;
  return (
    <svg className="dag" role="img" aria-label={label} viewBox={`0 0 ${width} ${height}`} width="100%" style={{ maxWidth: width }} data-testid={testId}>
      <defs>
        <marker id={arrowId} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#607d8b" />
        </marker>
      </defs>
      {edges.map((e) => {
        const from = pos.get(e.from);
        const to = pos.get(e.to);
        if (!from || !to) return null;
        return (
          <g key={`${e.from}>${e.to}`} data-testid={`${testId}-edge-${e.from}-${e.to}`}>
            <line x1={from.x + BOX_W} y1={from.y + BOX_H / 2} x2={to.x} y2={to.y + BOX_H / 2} stroke="#607d8b" strokeWidth={1.5} markerEnd={`url(#${arrowId})`} />
            {e.label && (
              <text x={(from.x + BOX_W + to.x) / 2} y={(from.y + to.y) / 2 + BOX_H / 2 - 4} fontSize={11} textAnchor="middle" fill="#455a64">
                {e.label}
              </text>
            )}
          </g>
        );
      })}
      {nodes.map((n) => {
        const p = pos.get(n.id)!;
        const box = (
          <>
            <rect x={p.x} y={p.y} width={BOX_W} height={BOX_H} rx={8} fill="#fff" stroke={n.colour} strokeWidth={n.current ? 4 : 2} />
            <text x={p.x + 10} y={p.y + 22} fontSize={13} fontWeight={600}>
              {n.label}
            </text>
            <text x={p.x + 10} y={p.y + 42} fontSize={12} fill={n.colour}>
              {n.detail}
            </text>
          </>
        );
        return n.href ? (
          <a key={n.id} href={n.href} data-testid={`${testId}-node-${n.id}`}>
            {box}
          </a>
        ) : (
          <g key={n.id} data-testid={`${testId}-node-${n.id}`}>
            {box}
          </g>
        );
      })}
    </svg>
  );
}
