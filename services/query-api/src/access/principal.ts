/** Service-name prefixes a key may read, or every service (the admin key). */
export type ServiceScope = { readonly servicePrefixes: readonly string[] } | 'all';

/** Who a request is from, set by the API-key authentication before any handler runs. */
export interface Principal {
  readonly keyId: string;
  readonly scope: ServiceScope;
  readonly rateLimitPerMinute: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by apiKeyAuth; undefined on a route it does not guard (such as /healthz). */
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /**
     * The route applies the caller's service scope to what it reads (bound SQL
     * conditions on ServiceName). Only such routes answer a key scoped to
     * service prefixes; every other route is for unscoped (admin) keys.
     */
    serviceScoped?: boolean;
  }
}
