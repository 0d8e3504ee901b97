// axe-core in Chromium, for any browser test: `checkA11y(page, label)` runs the full default rule set
// (WCAG 2.x A/AA and best practices) on what the page shows now and counts the violations by impact.
// Callers assert on `blocking` (serious + critical, issue 17's bar) and print `a11yTable` of all of them.
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

export const IMPACTS = ['critical', 'serious', 'moderate', 'minor'] as const;
export type Impact = (typeof IMPACTS)[number];

export interface A11yResult {
  label: string;
  counts: Record<Impact, number>;
  /** Serious and critical violations, one line each: rule, impact, how many nodes, the first targets. */
  blocking: string[];
  /** Moderate violations, the same way (the kiosk holds itself to none of these either). */
  moderate: string[];
}

export async function checkA11y(page: Page, label: string): Promise<A11yResult> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const counts: Record<Impact, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  const blocking: string[] = [];
  const moderate: string[] = [];
  for (const v of violations) {
    const impact = (v.impact ?? 'minor') as Impact;
    counts[impact] += v.nodes.length;
    const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
    const line = `${label}: ${v.id} (${impact}, ${v.nodes.length}×) ${v.help} — ${targets}`;
    if (impact === 'serious' || impact === 'critical') blocking.push(line);
    else if (impact === 'moderate') moderate.push(line);
  }
  return { label, counts, blocking, moderate };
}

/** A pages × impact table of violating nodes, for the test output. */
export function a11yTable(results: readonly A11yResult[]): string {
  const width = Math.max(4, ...results.map((r) => r.label.length));
  const head = `${'page'.padEnd(width)}  ${IMPACTS.map((i) => i.padStart(8)).join(' ')}`;
  const rows = results.map((r) => `${r.label.padEnd(width)}  ${IMPACTS.map((i) => String(r.counts[i]).padStart(8)).join(' ')}`);
  const total = IMPACTS.map((i) => String(results.reduce((s, r) => s + r.counts[i], 0)).padStart(8)).join(' ');
  return [head, ...rows, `${'total'.padEnd(width)}  ${total}`].join('\n');
}
