/** Dependency-graph helpers shared by catalogue validation and the workflow. */

/** Returns one cycle as a path that starts and ends on the same node, or null when the graph is acyclic. */
export function findCycle(nodes: readonly string[], edges: (node: string) => readonly string[]): string[] | null {
  const colour = new Map<string, 'grey' | 'black'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    colour.set(n, 'grey');
    stack.push(n);
    for (const m of edges(n)) {
      const c = colour.get(m);
      if (c === 'grey') return [...stack.slice(stack.indexOf(m)), m];
      if (c === undefined) {
        const found = visit(m);
        if (found) return found;
      }
    }
    stack.pop();
    colour.set(n, 'black');
    return null;
  };
  for (const n of nodes) {
    if (!colour.has(n)) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return null;
}

/** Kahn order; ties broken by input order so the result is deterministic. Assumes no cycle. */
export function topologicalOrder(nodes: readonly string[], edges: (node: string) => readonly string[]): string[] {
  const done = new Set<string>();
  const out: string[] = [];
  while (out.length < nodes.length) {
    const next = nodes.find((n) => !done.has(n) && edges(n).every((d) => done.has(d) || !nodes.includes(d)));
    if (next === undefined) throw new Error('topologicalOrder: graph has a cycle');
    done.add(next);
    out.push(next);
  }
  return out;
}
