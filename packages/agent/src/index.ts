export { Agent, AgentError, type AgentOptions } from './agent.ts';
export { RenderNode, type RenderNodeOptions } from './render/node.ts';
export { BubblewrapSandbox, DEFAULT_UID_BASE, TASK_DIR, UnsandboxedRunner, openSandbox, SandboxUnavailableError } from './sandbox/index.ts';
export type { BubblewrapOptions, OpenSandboxOptions, Sandbox, SpawnSpec } from './sandbox/index.ts';
