export { storeConfigDefaults, storeConfigSchema } from './config.js';
export type { StoreConfig } from './config.js';
export { applyMigrations, readMigrations, splitStatements } from './migrations.js';
export type { Migration, MigrationTarget } from './migrations.js';
export { renderMigrationsForCluster } from './cluster-migrations.js';
export type { ClusterTarget } from './cluster-migrations.js';
export { createStore } from './store.js';
export type { Store, StoreDeps } from './store.js';
export { StoreDiskFloorError, checkDiskFloor, freeBytes } from './disk-floor.js';
