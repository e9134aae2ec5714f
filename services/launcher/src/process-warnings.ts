import type { Logger } from '@stallscope/common';

/**
 * kafkajs 2.2.4, its last release, arms its request queue's check with
 * `throttledUntil - Date.now()` also when nothing is throttled: a negative
 * delay, which Node runs after 1 ms and, since Node 23, warns about at the
 * first request of every Kafka client. The check 1 ms later is what kafkajs
 * means to do, so that warning is no trouble of the process.
 */
const KAFKAJS_REQUEST_QUEUE = /[\\/]kafkajs[\\/]src[\\/]network[\\/]requestQueue[\\/]/;

function isKafkajsQueueCheck(warning: Error): boolean {
  return warning.name === 'TimeoutNegativeWarning' && KAFKAJS_REQUEST_QUEUE.test(warning.stack ?? '');
}

/** The first frame of the warning's stack outside Node's own code: what raised it. */
function raisedAt(warning: Error): string | undefined {
  for (const line of (warning.stack ?? '').split('\n')) {
    const frame = line.trim();
    if (frame.startsWith('at ') && !frame.includes('(node:') && !frame.startsWith('at node:')) return frame.slice(3);
  }
  return undefined;
}

/**
 * Node prints process warnings to stderr as plain text; in a stallscope
 * process they become log lines like every other, with the warning's name,
 * code and the frame that raised it. Where Node prints none (--no-warnings,
 * NODE_NO_WARNINGS=1) nothing is added.
 */
export function logProcessWarnings(logger: Logger): void {
  if (process.listenerCount('warning') === 0) return;
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    const fields = { warning: { name: warning.name, code: warning.code, raisedAt: raisedAt(warning) } };
    if (isKafkajsQueueCheck(warning)) logger.debug(fields, `${warning.message} (kafkajs's request queue: a 1 ms check, as it means)`);
    else logger.warn(fields, warning.message);
  });
}
