import type { Store } from '@stallscope/store';
import type { QueryApiConfig } from './config.js';

/** What every route folder is registered with. */
export interface RouteDeps {
  store: Store;
  limits: QueryApiConfig;
}
