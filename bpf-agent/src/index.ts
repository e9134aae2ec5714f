export { createAgent } from './agent.js';
export type { AgentDeps } from './agent.js';
export { agentConfigDefaults, agentConfigSchema } from './config.js';
export type { AgentConfig } from './config.js';
export { defaultLoaderPath } from './loader/default-loader-path.js';
