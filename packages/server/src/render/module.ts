import type { ModuleFactory } from '../module.ts';

/** The render module: not shipped yet. */
export const renderModule: ModuleFactory = () => ({ name: 'render' });
