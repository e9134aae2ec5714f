import { Type, type Static } from '@sinclair/typebox';

export const serverConfigSchema = Type.Object(
  {
    /** Listen address; loopback unless you mean to expose it (then keep the token secret). */
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Bearer token every request but /healthz must carry; empty means the token file under dataDir. */
    authToken: Type.String(),
    /**
     * YAML or JSON file of API keys (SHA-256 of each secret, service-name
     * prefixes, requests per minute); empty: the admin token only.
     */
    apiKeysFile: Type.String(),
    /** Requests per minute of the admin token and of keys that set none. */
    rateLimitPerMinute: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type ServerConfig = Static<typeof serverConfigSchema>;

export const serverConfigDefaults: ServerConfig = {
  host: '127.0.0.1',
  port: 8470,
  authToken: '',
  apiKeysFile: '',
  rateLimitPerMinute: 600,
};
