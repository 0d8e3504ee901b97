/**
 * Lays a DAG out in columns by depth (a step sits one column right of its deepest parent), rows in
 * submission order within a column: enough for workflows of tens of steps, with no layout library.
 */
export interface DagNode {
  name: string;
  col: number;
  row: number;
}

export function layoutDag(names: readonly string[], edges: readonly { from: string; to: string }[]): { nodes: DagNode[]; cols: number; rows: number } {
  const parents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const e of edges) parents.get(e.to)?.push(e.from);
  const depth = new Map<string, number>();
  const visit = (n: string, seen: Set<string>): number => {
    const known = depth.get(n);
    if (known !== undefined) return known;
    // The server refuses cycles; a cycle here (a bad answer) is drawn flat rather than looping forever.
    if (seen.has(n)) return 0;
    seen.add(n);
    const d = Math.max(-1, ...(parents.get(n) ?? []).map((p) => visit(p, seen))) + 1;
    depth.set(n, d);
    return d;
  };
  const perCol = new Map<number, number>();
  const nodes = names.map((name) => {
    const col = visit(name, new Set());
    const row = perCol.get(col) ?? 0;
    perCol.set(col, row + 1);
    return { name, col, row };
  });
  return { nodes, cols: Math.max(0, ...nodes.map((n) => n.col)) + 1, rows: Math.max(0, ...perCol.values()) };
}
