import { flightRecorderSummary, type Diagnosis } from '@stallscope/query-api';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { renderTable, type Column } from '../format/table.js';
import { formatCount, formatMilliseconds, formatSeconds } from '../format/units.js';
import { queryOf, type Command, type Output } from './command.js';

const text = (header: string): Column => ({ header, align: 'left', shrinkable: true });
const number = (header: string): Column => ({ header, align: 'right' });
/** Stacks are cut at their root end: the leaf frames say what waited. */
const stack = (header: string): Column => ({ header, align: 'left', shrinkable: true, cut: 'start' });

/** What a slow call waited on: the file, the peer or the fd's kind. */
function targetOf(call: Diagnosis['slowestCalls'][number]): string {
  return call.filePath || call.peer || call.fdTarget || '-';
}

function section(title: string, empty: string, columns: readonly Column[], rows: readonly (readonly string[])[], output: Output): string {
  const heading = output.style.bold(title);
  return rows.length === 0 ? `${heading}: ${empty}` : `${heading}\n${renderTable(columns, rows, output)}`;
}

/** The diagnosis as sections a terminal shows: waits first (where the time went), then the calls, stacks and errors behind them. */
export function renderDiagnosis(diagnosis: Diagnosis, output: Output): string {
  const waits = section(
    `waits by class (idle waits, left out: ${formatSeconds(diagnosis.idleBlockedSeconds)})`,
    'no non-idle waits',
    [text('WAIT'), number('BLOCKED'), text('TOP SYSCALLS')],
    diagnosis.waitsByClass.map((total) => [
      total.waitClass,
      formatSeconds(total.blockedSeconds),
      total.topSyscalls.map((top) => `${top.syscall} ${formatSeconds(top.blockedSeconds)}`).join(', '),
    ]),
    output,
  );
  const calls = section(
    'slowest calls',
    'no call above the slow-syscall threshold',
    [text('TIME'), number('DURATION'), text('SYSCALL'), text('WAIT'), text('RULE'), text('TARGET'), text('ERRNO'), text('HOST'), number('PID'), number('TID'), text('TRACE')],
    diagnosis.slowestCalls.map((call) => [
      call.time,
      formatMilliseconds(call.durationMs),
      call.syscall,
      call.waitClass,
      call.waitClassRule || '-',
      targetOf(call),
      call.errno || '-',
      call.host,
      call.pid,
      call.threadId,
      call.traceId || '-',
    ]),
    output,
  );
  const stacks = section(
    'off-CPU stacks',
    'none recorded',
    [number('OFF-CPU'), text('STATE'), stack('STACK')],
    diagnosis.offCpuStacks.map((offCpu) => [formatSeconds(offCpu.offCpuSeconds), offCpu.threadState, offCpu.stack]),
    output,
  );
  const storms = section(
    'error storms',
    'none',
    [text('SYSCALL'), text('ERRNO'), text('ERROR.TYPE'), number('ERRORS'), number('PER SECOND')],
    diagnosis.errorStorms.map((storm) => [storm.syscall, storm.errno, storm.errorType, formatCount(storm.errors), String(Number(storm.errorsPerSecond.toPrecision(3)))]),
    output,
  );
  const title = `diagnosis of ${diagnosis.service}, last ${diagnosis.window} (${diagnosis.from} to ${diagnosis.to})`;
  return [title, waits, calls, stacks, storms, ...memorySections(diagnosis.memory, output), ...goRuntimeSections(diagnosis.goRuntime, output)].join('\n\n');
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Page faults, peak RSS and OOM kills with what their flight recorders saw before the kill. */
function memorySections(memory: Diagnosis['memory'], output: Output): string[] {
  const summary =
    `${output.style.bold('memory')}\n` +
    `page faults: ${formatCount(memory.majorFaults)} major, ${formatCount(memory.minorFaults)} minor; peak RSS ${mib(memory.peakRssBytes)}`;
  const kills = section(
    'OOM kills',
    'none',
    [text('TIME'), text('HOST'), number('PID'), text('COMMAND'), text('CGROUP'), number('ANON RSS'), text('BEFORE THE KILL')],
    memory.oomKills.map((kill) => [kill.time, kill.host, String(kill.pid), kill.command, kill.cgroup || '-', mib(kill.anonRssBytes), flightRecorderSummary(kill)]),
    output,
  );
  return [summary, kills];
}

/** The Go runtime's figures, for a service the agent found Go programs in (none otherwise). */
function goRuntimeSections(go: Diagnosis['goRuntime'], output: Output): string[] {
  if (go.gcCycles === 0 && go.gcPauses === 0 && go.goroutinesCreated === 0 && go.topWaitReasons.length === 0) return [];
  const rate = `${String(Number(go.goroutinesCreatedPerSecond.toPrecision(3)))}/s${go.goroutineCreationAlarm ? ' (alarm: over 500/s)' : ''}`;
  const summary =
    `${output.style.bold('Go runtime')}\n` +
    `GC: ${formatCount(go.gcCycles)} cycles, ${formatCount(go.gcPauses)} stop-the-world pauses, ${formatSeconds(go.gcPauseSeconds)} in all, longest ${formatMilliseconds(go.gcPauseMaxMs)}\n` +
    `goroutines: ${formatCount(go.goroutinesCreated)} created (${rate}), ${formatCount(go.liveGoroutines)} live`;
  const waits = section(
    'goroutine waits',
    'none recorded (goRuntime.waits is off by default)',
    [text('REASON'), number('BLOCKED'), number('PARKS')],
    go.topWaitReasons.map((wait) => [wait.waitReason, formatSeconds(wait.blockedSeconds), formatCount(wait.parks)]),
    output,
  );
  return [summary, waits];
}

export const diagnoseCommand: Command = {
  name: 'diagnose',
  synopsis: 'diagnose <service> [--window 15m] [--markdown]',
  summary: "one service's waits by class, slowest calls with their context, off-CPU stacks, error storms, page faults and OOM kills",
  options: { window: { type: 'string' }, markdown: { type: 'boolean' } },
  positionals: ['service'],
  request(values, [service]) {
    if (values.markdown && values.json) throw new CliError('give --markdown or --json, not both', EXIT_USAGE);
    const query = queryOf(values, { window: 'window' });
    if (values.markdown) query.set('format', 'markdown');
    return {
      path: `/v1/diagnose/${encodeURIComponent(service ?? '')}`,
      query,
      ...(values.markdown ? { verbatim: { accept: 'text/markdown', binary: false } } : {}),
    };
  },
  render: (body, output) => renderDiagnosis(body as Diagnosis, output),
};
