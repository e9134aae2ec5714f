import type { TraceResponse } from '@stallscope/query-api';
import { renderTrace } from '../format/trace-tree.js';
import type { Command } from './command.js';

export const traceCommand: Command = {
  name: 'trace',
  synopsis: 'trace <trace-id>',
  summary: "a trace's spans as a tree, with the slow syscalls under them marked [kernel]",
  options: {},
  positionals: ['trace-id'],
  request: (_values, [traceId]) => ({ path: `/v1/traces/${encodeURIComponent(traceId ?? '')}`, query: new URLSearchParams() }),
  render(body, output) {
    const trace = body as TraceResponse;
    const warnings = trace.warnings.map((warning) => output.style.yellow(`warning: ${warning}`));
    return [renderTrace(trace, output), ...warnings].join('\n');
  },
};
