import { burnRateText, percentText, secondsText, windowText } from './format-figures.js';
import type { SloReport } from './slo-report.js';

/** Escapes what would break a Markdown table cell or start markup. */
export function markdownCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('`', "'").replaceAll('\n', ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** The report as Markdown, for an incident document or a ticket; `depth` moves its headings down that many levels. */
export function renderSloReportMarkdown(report: SloReport, depth = 0): string {
  const h = (level: number): string => '#'.repeat(level + depth);
  const period = report.budgetPeriod;
  const lines = [
    `${h(1)} SLO ${markdownCell(report.displayName ?? report.name)}`,
    '',
    `- Service: \`${markdownCell(report.service)}\``,
    `- Objective: ${markdownCell(report.objective)} (${report.budgetingMethod})`,
    ...(report.description ? [`- Description: ${markdownCell(report.description)}`] : []),
    `- Evaluated at: ${report.evaluatedAt}`,
    `- Burn-rate state: **${report.burnRate.state}**`,
    `- Budget period ${period.window} (${period.from} to ${period.to}): compliance ${percentText(period.compliance)}, error budget remaining ${percentText(period.budgetRemaining, 1)}`,
    '',
    `${h(2)} Compliance`,
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
    `${h(2)} Burn-rate alerts`,
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
    `${h(2)} Where the bad time went (last ${report.badTime.lookback})`,
    '',
  ];
  const { badTime } = report;
  if (badTime.badPeriods === 0) {
    lines.push(`No bad ${report.budgetingMethod === 'Timeslices' ? 'slices' : 'minutes'} in the last ${badTime.lookback}.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${badTime.badPeriods} bad period(s), ${secondsText(badTime.badSeconds)} in all.`, '', `${h(3)} Wait classes`, '');
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
    `${h(3)} Syscalls`,
    '',
    ...table(
      ['syscall', 'wait class', 'calls', 'blocked', 'max'],
      badTime.syscalls.map((wait) => [markdownCell(wait.syscall), wait.waitClass, String(wait.calls), secondsText(wait.blockedSeconds), `${wait.maxMs.toFixed(2)} ms`]),
    ),
    '',
    `${h(3)} Off-CPU stacks`,
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

/** Every report on one page: a summary table, then each report under its own heading. */
export function renderSloReportsMarkdown(reports: readonly SloReport[], evaluatedAt: string): string {
  const lines = [`# SLO reports`, '', `- Evaluated at: ${evaluatedAt}`, ''];
  if (reports.length === 0) return `${[...lines, 'No SLOs are declared.'].join('\n')}\n`;
  lines.push(
    ...table(
      ['SLO', 'service', 'burn-rate state', 'compliance (budget period)', 'budget remaining'],
      reports.map((report) => [
        markdownCell(report.displayName ?? report.name),
        `\`${markdownCell(report.service)}\``,
        report.burnRate.state === 'ok' ? report.burnRate.state : `**${report.burnRate.state}**`,
        `${percentText(report.budgetPeriod.compliance)} (${report.budgetPeriod.window})`,
        percentText(report.budgetPeriod.budgetRemaining, 1),
      ]),
    ),
    '',
  );
  return `${lines.join('\n')}\n${reports.map((report) => renderSloReportMarkdown(report, 1)).join('\n')}`;
}
