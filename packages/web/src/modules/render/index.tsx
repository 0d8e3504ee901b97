import type { ModuleUi } from '../types.ts';

/** The render module's pages and nav group; null until it ships (its "coming" page stands in). */
export const ui: ModuleUi | null = null;
