export type { Sandbox, SpawnSpec } from './types.ts';
export { BubblewrapSandbox, DEFAULT_UID_BASE, TASK_DIR, type BubblewrapOptions } from './bubblewrap.ts';
export { UnsandboxedRunner } from './unsandboxed.ts';
export { openSandbox, type OpenSandboxOptions } from './detect.ts';
export { SandboxUnavailableError } from './errors.ts';
