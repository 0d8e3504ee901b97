export { Agent, AgentError, type AgentOptions } from './agent.ts';
