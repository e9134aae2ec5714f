import { Type, type Static } from '@sinclair/typebox';

export const storeConfigSchema = Type.Object(
  {
    /** ClickHouse HTTP endpoint; empty means the embedded chDB engine at chdbPath. */
    url: Type.String(),
    /** Directory of the embedded engine's data, used when url is empty; each insert's file goes beside it, in `<chdbPath>-inserts`. */
    chdbPath: Type.String(),
    database: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    username: Type.String(),
    password: Type.String(),
    requestTimeoutMs: Type.Integer({ minimum: 1000 }),
    /**
     * ClickHouse cluster (remote_servers name, or a macro such as {cluster}) the
     * migrations are rendered for: ON CLUSTER, Replicated engines, Distributed
     * tables. Empty: a single node (and always with chDB).
     */
    cluster: Type.String({ pattern: '^([A-Za-z0-9_.{}-]+)?$' }),
    /**
     * Apply the migrations on start. Off for a process that only reads (a
     * query-api target connecting as a SELECT-only user): another one migrates.
     */
    migrate: Type.Boolean(),
    /**
     * Embedded engine only: inserts wait (retried, nothing dropped) while the
     * filesystem under chdbPath has fewer free bytes than this, so the engine
     * never runs out of space mid-insert or mid-merge. 0 turns the check off.
     */
    minFreeBytes: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type StoreConfig = Static<typeof storeConfigSchema>;

export const storeConfigDefaults: StoreConfig = {
  url: '',
  chdbPath: './data/chdb',
  database: 'default',
  username: 'default',
  password: '',
  requestTimeoutMs: 30_000,
  cluster: '',
  migrate: true,
  minFreeBytes: 128 * 1024 * 1024,
};
