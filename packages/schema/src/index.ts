export * from './common.ts';
export * from './auth.ts';
export * from './compute.ts';
export * from './agent.ts';
export * from './events.ts';
