export { storeConfigDefaults, storeConfigSchema } from './config.js';
export type { StoreConfig } from './config.js';
export { applyMigrations, readMigrations, splitStatements } from './migrations.js';
export type { Migration } from './migrations.js';
export { createStore } from './store.js';
export type { Store, StoreDeps } from './store.js';
