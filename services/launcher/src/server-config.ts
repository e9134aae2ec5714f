import { Type, type Static } from '@sinclair/typebox';

export const serverConfigSchema = Type.Object(
  {
    /** Listen address; loopback unless you mean to expose it (then keep the token secret). */
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Bearer token every request but /healthz must carry; empty means the token file under dataDir. */
    authToken: Type.String(),
  },
  { additionalProperties: false },
);
export type ServerConfig = Static<typeof serverConfigSchema>;

export const serverConfigDefaults: ServerConfig = {
  host: '127.0.0.1',
  port: 8470,
  authToken: '',
};
