import { ui as billing } from './billing/index.tsx';
import { ui as data } from './data/index.tsx';
import { ui as gov } from './gov/index.tsx';
import { ui as mine } from './mine/index.tsx';
import { ui as quotas } from './quotas/index.tsx';
import { ui as render } from './render/index.tsx';
import type { ModuleUi } from './types.ts';

/** Modules that have shipped their pages. Each lives in its own folder; this list is the only shared edit. */
export const modules: readonly ModuleUi[] = [render, gov, mine, billing, data, quotas].filter((m): m is ModuleUi => m !== null);
