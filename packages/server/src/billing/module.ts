import type { ModuleFactory } from '../module.ts';

/** The billing module: not shipped yet. */
export const billingModule: ModuleFactory = () => ({ name: 'billing' });
