export { Agent, AgentError, type AgentOptions } from './agent.ts';
export { RenderNode, type RenderNodeOptions } from './render/node.ts';
