import { Type } from '@sinclair/typebox';
import { WAIT_CLASSES, type WaitClass } from '@stallscope/schemas';
import type { ServiceScope } from '../../access/principal.js';
import { assertServiceInScope } from '../../access/scope.js';
import { StringEnum } from '../../schemas/string-enum.js';
import { Conditions } from '../../store/conditions.js';
import { windowCondition, type Rollup } from '../../store/rollup.js';

const MAX_NAME_LENGTH = 256;
const Name = () => Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }));

/** Query-string filters shared by the syscall routes. */
export const syscallFilterProperties = {
  service: Name(),
  host: Name(),
  container: Name(),
  syscall: Name(),
  waitClass: Type.Optional(StringEnum(WAIT_CLASSES)),
  includeIdle: Type.Boolean({ default: false }),
};

export interface SyscallFilter {
  windowSeconds: number;
  service?: string | undefined;
  host?: string | undefined;
  container?: string | undefined;
  syscall?: string | undefined;
  waitClass?: WaitClass | undefined;
  includeIdle: boolean;
}

const IDLE: WaitClass = 'idle';

/** Whether the filter names a host or container, which only the per-host rollups hold. */
export const filtersByHost = (filter: SyscallFilter): boolean => filter.host !== undefined || filter.container !== undefined;

/**
 * The rollup rows of the window that match the filters and the caller's
 * scope; a 403 when the service asked for is outside it. A host or container
 * filter needs a per-host rollup (rollupForWindow picks one).
 */
export function syscallConditions(filter: SyscallFilter, scope: ServiceScope, rollup: Rollup): Conditions {
  assertServiceInScope(scope, filter.service);
  if (!rollup.perHost && filtersByHost(filter)) throw new Error(`${rollup.table} has no host or container to filter by`);
  const conditions = new Conditions()
    .add(windowCondition(rollup), { windowSeconds: filter.windowSeconds })
    .equals('ServiceName', 'service', filter.service)
    .equals('HostName', 'host', filter.host)
    .equals('ContainerId', 'container', filter.container)
    .equals('Syscall', 'syscall', filter.syscall)
    .scope(scope, 'ServiceName');
  if (filter.waitClass !== undefined) return conditions.equals('WaitClass', 'waitClass', filter.waitClass);
  // Idle threads (Go netpoller, parked JVM threads) block by design; rank real waits.
  return filter.includeIdle ? conditions : conditions.add('WaitClass != {idleWaitClass:String}', { idleWaitClass: IDLE });
}
