import { burnRateText, percentText, secondsText, windowText } from './format-figures.js';
import type { SloReport } from './slo-report.js';

/** Escapes what would break a Markdown table cell or start markup. */
export function markdownCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('`', "'").replaceAll('\n', ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** The report as Markdown, for an incident document or a ticket. */
export function renderSloReportMarkdown(report: SloReport): string {
  const period = report.budgetPeriod;
  const lines = [
    `# SLO ${markdownCell(report.displayName ?? report.name)}`,
    '',
    `- Service: \`${markdownCell(report.service)}\``,
    `- Objective: ${markdownCell(report.objective)} (${report.budgetingMethod})`,
    ...(report.description ? [`- Description: ${markdownCell(report.description)}`] : []),
    `- Evaluated at: ${report.evaluatedAt}`,
    `- Burn-rate state: **${report.burnRate.state}**`,
    `- Budget period ${period.window} (${period.from} to ${period.to}): compliance ${percentText(period.compliance)}, error budget remaining ${percentText(period.budgetRemaining, 1)}`,
    '',
    '## Compliance',
    '',
    ...table(
      ['window', 'compliance', 'good / total', 'burn rate', 'budget remaining'],
      report.windows.map((window) => [
        window.window,
        percentText(window.compliance),
        `${window.goodEvents} / ${window.totalEvents}`,
        burnRateText(window.burnRate),
        percentText(window.budgetRemaining, 1),
      ]),
    ),
    '',
    '## Burn-rate alerts',
    '',
    ...table(
      ['severity', 'burn rate ≥', 'long window', 'short window', 'firing'],
      report.burnRate.alerts.map((alert) => [
        alert.severity,
        `${alert.burnRate}×`,
        `${windowText(alert.longWindowSeconds)}: ${burnRateText(alert.longBurnRate)}`,
        `${windowText(alert.shortWindowSeconds)}: ${burnRateText(alert.shortBurnRate)}`,
        alert.firing ? '**yes**' : 'no',
      ]),
    ),
    '',
    `## Where the bad time went (last ${report.badTime.lookback})`,
    '',
  ];
  const { badTime } = report;
  if (badTime.badPeriods === 0) {
    lines.push(`No bad ${report.budgetingMethod === 'Timeslices' ? 'slices' : 'minutes'} in the last ${badTime.lookback}.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${badTime.badPeriods} bad period(s), ${secondsText(badTime.badSeconds)} in all.`, '', '### Wait classes', '');
  lines.push(
    ...table(
      ['wait class', 'blocked', 'top syscalls'],
      badTime.waitClasses.map((total) => [
        total.waitClass,
        secondsText(total.blockedSeconds),
        total.topSyscalls.map((top) => `${markdownCell(top.syscall)} ${secondsText(top.blockedSeconds)}`).join(', '),
      ]),
    ),
    '',
    '### Syscalls',
    '',
    ...table(
      ['syscall', 'wait class', 'calls', 'blocked', 'max'],
      badTime.syscalls.map((wait) => [markdownCell(wait.syscall), wait.waitClass, String(wait.calls), secondsText(wait.blockedSeconds), `${wait.maxMs.toFixed(2)} ms`]),
    ),
    '',
    '### Off-CPU stacks',
    '',
  );
  if (badTime.offCpuStacks.length === 0) lines.push('No off-CPU stacks recorded in the bad periods.');
  else {
    lines.push(
      ...table(
        ['off-CPU', 'state', 'stack (leaf last)'],
        badTime.offCpuStacks.map((stack) => [secondsText(stack.offCpuSeconds), stack.threadState, `\`${markdownCell(stack.stack)}\``]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
