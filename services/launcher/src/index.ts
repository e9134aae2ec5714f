export { launcherConfigDefaults, launcherConfigSchema } from './config.js';
export type { LauncherConfig } from './config.js';
export { parseTargets, resolveModules, startModules } from './module-manager.js';
export { ModuleName, moduleDependencies, userTargets } from './modules.js';
export type { Built, ModuleContext } from './modules.js';
export { isAuthorized, resolveAuthToken } from './auth-token.js';
