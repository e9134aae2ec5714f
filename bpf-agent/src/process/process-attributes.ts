/** A process's identity as OpenTelemetry resource attributes. */
import { ResourceAttr } from '@stallscope/schemas';
import type { ProcessInfo } from './process-info.js';

/** Keys the agent sets itself; a service rule may not override them. */
export const RESERVED_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  ResourceAttr.serviceName,
  ResourceAttr.hostName,
  ResourceAttr.processPid,
  ResourceAttr.processExecutableName,
  ResourceAttr.processExecutablePath,
  ResourceAttr.processCommandLine,
  ResourceAttr.processRuntimeName,
  ResourceAttr.containerId,
  ResourceAttr.k8sPodUid,
]);

/**
 * service.name, process.executable.*, process.command_line (redacted),
 * process.runtime.name, container.id, k8s.pod.uid and a service rule's
 * attributes; absent values are left out. host.name and process.pid are the
 * caller's: they depend on where and how the resource is used.
 */
export function processResourceAttributes(info: ProcessInfo): Record<string, string> {
  const attributes: Record<string, string> = { ...(info.ruleAttributes ?? {}), [ResourceAttr.serviceName]: info.serviceName };
  const optional: Array<[string, string | undefined]> = [
    [ResourceAttr.processExecutableName, info.executableName],
    [ResourceAttr.processExecutablePath, info.executablePath],
    [ResourceAttr.processCommandLine, info.commandLine],
    [ResourceAttr.processRuntimeName, info.runtimeName],
    [ResourceAttr.containerId, info.containerId],
    [ResourceAttr.k8sPodUid, info.podUid],
  ];
  for (const [key, value] of optional) if (value !== undefined && value !== '') attributes[key] = value;
  return attributes;
}
