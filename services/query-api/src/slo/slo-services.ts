import type { ServiceScope } from '../access/principal.js';
import { isServiceInScope } from '../access/scope.js';
import type { SloDefinition } from './slo-definition.js';

/** The services an SLO reads: its own and the one its indicator's data source names. */
export function servicesOfSlo(definition: SloDefinition): string[] {
  const { indicator } = definition;
  if (indicator.kind === 'ratio') return [...new Set([definition.service, indicator.total.service])];
  const { source } = indicator;
  return [...new Set([definition.service, source.signal === 'spans' ? source.spans.service : source.service])];
}

/** Whether a key of this scope may read the SLO: every service it reads is in scope. */
export const isSloInScope = (scope: ServiceScope, definition: SloDefinition): boolean =>
  servicesOfSlo(definition).every((service) => isServiceInScope(scope, service));
