import type { LoaderRecord } from '../../src/loader/records.js';
import type { AgentSignal, SignalContext } from '../../src/signal.js';

/**
 * Process lifecycle from the kernel: a process is named at exec (while even a
 * 50 ms process is alive), a forked child starts with its parent's name, and
 * an exit retires the pid so a reused one is read afresh.
 */
export function createProcessSignal(context: SignalContext): AgentSignal {
  return {
    name: 'process',
    recordTypes: ['process-event'],
    onRecord(record: LoaderRecord) {
      if (record.type !== 'process-event') return;
      if (record.kind === 'exec') context.processes.onExec(record.tgid, { filename: record.filename, comm: record.comm, argv: record.argv });
      else if (record.kind === 'fork') context.processes.onFork(record.parentTgid, record.tgid);
      else context.processes.onExit(record.tgid);
    },
    endInterval() {
      return { resourceMetrics: [], spans: [], logRecords: [], exitedTgids: [] };
    },
  };
}
