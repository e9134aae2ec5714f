import { secondsText } from '../slo/format-figures.js';
import { markdownCell } from '../slo/render-markdown.js';
import type { Diagnosis } from './diagnosis.js';
import { GOROUTINE_CREATION_ALARM_PER_SECOND } from './go-runtime-query.js';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(markdownCell).join(' | ')} |`)];
}

function section(title: string, empty: string, rows: readonly (readonly string[])[], header: readonly string[]): string[] {
  return [`## ${title}`, '', ...(rows.length === 0 ? [empty] : table(header, rows)), ''];
}

function goRuntimeLines(go: Diagnosis['goRuntime']): string[] {
  const alarm = go.goroutineCreationAlarm ? ` **ALARM: over ${GOROUTINE_CREATION_ALARM_PER_SECOND}/s**` : '';
  return [
    '## Go runtime',
    '',
    `GC: ${go.gcCycles} cycles, ${go.gcPauses} stop-the-world pauses totalling ${secondsText(go.gcPauseSeconds)} (longest ${go.gcPauseMaxMs.toFixed(2)} ms).`,
    '',
    `Goroutines: ${go.goroutinesCreated} created (${go.goroutinesCreatedPerSecond.toFixed(1)}/s)${alarm}, ${go.liveGoroutines} live.`,
    '',
    ...section(
      'Goroutine waits by reason',
      'No goroutine waits recorded.',
      go.topWaitReasons.map((wait) => [wait.waitReason, secondsText(wait.blockedSeconds), String(wait.parks)]),
      ['wait reason', 'blocked', 'parks'],
    ),
    ...section(
      'Goroutine park stacks',
      'No park stacks recorded.',
      go.parkStacks.map((stack) => [secondsText(stack.parkedSeconds), stack.waitReason, stack.stack]),
      ['parked', 'wait reason', 'stack (leaf last)'],
    ),
  ];
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The flight recorder's growth before a kill, in one cell: faults, bytes mapped, heap growth, last RSS read. */
export function flightRecorderSummary(kill: Diagnosis['memory']['oomKills'][number]): string {
  const slots = kill.flightRecorder.filter((sample) => sample.sampleMs > 0);
  const sum = (pick: (sample: (typeof slots)[number]) => number) => slots.reduce((total, sample) => total + pick(sample), 0);
  const lastRss = kill.flightRecorder.filter((sample) => sample.rssBytes !== null).at(-1)?.rssBytes;
  const seconds = slots.reduce((total, sample) => total + sample.sampleMs, 0) / 1000;
  if (kill.flightRecorder.length === 0) return 'no flight recorder';
  return `${seconds.toFixed(2)} s before: ${sum((s) => s.faults)} faults, mmap ${mib(sum((s) => s.mmapBytes))}, munmap ${mib(sum((s) => s.munmapBytes))}, brk ${mib(sum((s) => s.brkBytes))}${lastRss === undefined || lastRss === null ? '' : `, RSS ${mib(lastRss)}`}`;
}

function memoryLines(memory: Diagnosis['memory']): string[] {
  return [
    '## Memory',
    '',
    `Page faults: ${memory.majorFaults} major, ${memory.minorFaults} minor. Peak RSS: ${mib(memory.peakRssBytes)}.`,
    '',
    ...section(
      'OOM kills',
      'No OOM kills recorded.',
      memory.oomKills.map((kill) => [kill.time, kill.host, String(kill.pid), kill.command, kill.cgroup, mib(kill.anonRssBytes), flightRecorderSummary(kill)]),
      ['time', 'host', 'pid', 'command', 'cgroup', 'anon RSS', 'flight recorder'],
    ),
  ];
}

/** The diagnosis as Markdown, to paste into an incident document. */
export function renderDiagnosisMarkdown(diagnosis: Diagnosis): string {
  const lines = [
    `# Diagnosis of ${markdownCell(diagnosis.service)}, last ${diagnosis.window}`,
    '',
    `${diagnosis.from} to ${diagnosis.to}`,
    '',
    ...section(
      'Slowest calls',
      'No slow syscalls recorded.',
      diagnosis.slowestCalls.map((call) => [
        `${call.durationMs.toFixed(2)} ms`,
        call.syscall,
        call.waitClass,
        call.waitClassRule,
        [call.fdTarget, call.filePath || call.peer].filter((part) => part !== '').join(' '),
        call.errno,
        call.host,
        call.pid,
        call.threadId,
        call.time,
      ]),
      ['duration', 'syscall', 'wait class', 'rule', 'target', 'errno', 'host', 'pid', 'thread', 'time'],
    ),
    ...section(
      'Waits by class',
      'No non-idle waits recorded.',
      diagnosis.waitsByClass.map((total) => [
        total.waitClass,
        secondsText(total.blockedSeconds),
        total.topSyscalls.map((top) => `${top.syscall} ${secondsText(top.blockedSeconds)}`).join(', '),
      ]),
      ['wait class', 'blocked', 'top syscalls'],
    ),
    `Idle waits (threads waiting for work, by design): ${secondsText(diagnosis.idleBlockedSeconds)}.`,
    '',
    ...section(
      'Off-CPU stacks',
      'No off-CPU stacks recorded.',
      diagnosis.offCpuStacks.map((stack) => [secondsText(stack.offCpuSeconds), stack.threadState, stack.stack]),
      ['off-CPU', 'state', 'stack (leaf last)'],
    ),
    ...section(
      'Error storms',
      'No failed syscalls recorded.',
      diagnosis.errorStorms.map((storm) => [storm.syscall, storm.errno, storm.errorType, String(storm.errors), storm.errorsPerSecond.toFixed(2)]),
      ['syscall', 'errno', 'error.type', 'errors', 'per second'],
    ),
    ...memoryLines(diagnosis.memory),
    ...goRuntimeLines(diagnosis.goRuntime),
  ];
  return `${lines.join('\n')}`;
}
