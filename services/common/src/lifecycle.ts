/**
 * What every stallscope component returns from its create<Name>(config, deps):
 * `start` resolves when the component is ready; `stop` is idempotent and safe
 * to call before `start`.
 */
export interface Component {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Wraps start/stop so that stop runs at most once, waits for an in-flight
 * start, and is a no-op before start.
 */
export function withLifecycle(impl: Component): Component {
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  return {
    start() {
      if (stopping) return Promise.reject(new Error('component was stopped; create a new one'));
      starting ??= impl.start();
      return starting;
    },
    stop() {
      if (!starting) {
        stopping ??= Promise.resolve();
        return stopping;
      }
      stopping ??= starting.then(
        () => impl.stop(),
        () => impl.stop(),
      );
      return stopping;
    },
  };
}
