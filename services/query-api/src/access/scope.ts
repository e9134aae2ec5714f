import { ApiError, ApiErrors } from '../errors.js';
import type { Principal, ServiceScope } from './principal.js';

/**
 * The caller's scope. A request without a principal reached a route no
 * apiKeyAuth guards: that is the query API plugin mounted on its own (tests,
 * embedding), which trusts its mount as it did before keys had scopes.
 */
export function scopeOf(principal: Principal | undefined): ServiceScope {
  return principal?.scope ?? 'all';
}

export function isServiceInScope(scope: ServiceScope, service: string): boolean {
  return scope === 'all' || scope.servicePrefixes.some((prefix) => service.startsWith(prefix));
}

/** A 403 naming the service when a filter asks for one outside the scope. */
export function assertServiceInScope(scope: ServiceScope, service: string | undefined): void {
  if (service === undefined || isServiceInScope(scope, service)) return;
  throw new ApiError(ApiErrors.forbidden, `service ${JSON.stringify(service)} is outside this key's scope`);
}

/**
 * The SQL condition restricting a column of service names to the scope, each
 * prefix a bound parameter (startsWith can use a primary key on the column);
 * undefined for an unrestricted scope.
 */
export function scopeCondition(scope: ServiceScope, column: string): { condition: string; params: Record<string, string> } | undefined {
  if (scope === 'all') return undefined;
  const params: Record<string, string> = {};
  const alternatives = scope.servicePrefixes.map((prefix, index) => {
    params[`scopePrefix${index}`] = prefix;
    return `startsWith(${column}, {scopePrefix${index}:String})`;
  });
  return { condition: `(${alternatives.join(' OR ')})`, params };
}
