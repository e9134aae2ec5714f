import type { Attributes, HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AGENT_SCOPE_NAME, ResourceAttr } from '@stallscope/schemas';

/** A folded stack of one service, with the figures its signal puts beside it. */
export interface ServiceStack {
  serviceName: string;
  /** Root first, frames joined by ';'. */
  folded: string;
}

/**
 * One log record per folded stack (the body), named by `eventName`: the
 * OTel-native carrier of every signal's stacks until a profiles signal lands.
 * Records of one service share one Resource.
 */
export function stackLogRecords<S extends ServiceStack>(
  stacks: readonly S[],
  options: { hostName: string; time: HrTime; eventName: string; attributesOf: (stack: S) => Attributes },
): ReadableLogRecord[] {
  const resources = new Map<string, ReturnType<typeof resourceFromAttributes>>();
  return stacks.map((stack) => {
    let resource = resources.get(stack.serviceName);
    if (!resource) {
      resource = resourceFromAttributes({ [ResourceAttr.serviceName]: stack.serviceName, [ResourceAttr.hostName]: options.hostName });
      resources.set(stack.serviceName, resource);
    }
    return {
      hrTime: options.time,
      hrTimeObserved: options.time,
      eventName: options.eventName,
      body: stack.folded,
      resource,
      instrumentationScope: { name: AGENT_SCOPE_NAME },
      attributes: options.attributesOf(stack),
      droppedAttributesCount: 0,
    };
  });
}
