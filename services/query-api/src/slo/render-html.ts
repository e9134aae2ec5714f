import { burnRateText, percentText, secondsText, windowText } from './format-figures.js';
import type { SloReport } from './slo-report.js';

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

// Inline and print-friendly: the page must render the same when saved or
// printed offline, so it loads nothing from anywhere.
const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: left; }
th { background: #eee; }
code { font-size: 12px; word-break: break-all; }
.state-page { color: #b00; font-weight: bold; }
.state-ticket { color: #a60; font-weight: bold; }
@media print { body { margin: 0; } }`;

/** One report's HTML, its headings moved down `depth` levels. */
function reportSection(report: SloReport, depth: number): string {
  const h = (level: number, html: string): string => `<h${level + depth}>${html}</h${level + depth}>`;
  const period = report.budgetPeriod;
  const { badTime } = report;
  const breakdown =
    badTime.badPeriods === 0
      ? `<p>No bad ${report.budgetingMethod === 'Timeslices' ? 'slices' : 'minutes'} in the last ${escapeHtml(badTime.lookback)}.</p>`
      : [
          `<p>${badTime.badPeriods} bad period(s), ${escapeHtml(secondsText(badTime.badSeconds))} in all.</p>`,
          h(3, 'Wait classes'),
          table(
            ['wait class', 'blocked', 'top syscalls'],
            badTime.waitClasses.map((total) => [
              total.waitClass,
              secondsText(total.blockedSeconds),
              total.topSyscalls.map((top) => `${top.syscall} ${secondsText(top.blockedSeconds)}`).join(', '),
            ]),
          ),
          h(3, 'Syscalls'),
          table(
            ['syscall', 'wait class', 'calls', 'blocked', 'max'],
            badTime.syscalls.map((wait) => [wait.syscall, wait.waitClass, String(wait.calls), secondsText(wait.blockedSeconds), `${wait.maxMs.toFixed(2)} ms`]),
          ),
          h(3, 'Off-CPU stacks'),
          badTime.offCpuStacks.length === 0
            ? '<p>No off-CPU stacks recorded in the bad periods.</p>'
            : table(
                ['off-CPU', 'state', 'stack (leaf last)'],
                badTime.offCpuStacks.map((stack) => [secondsText(stack.offCpuSeconds), stack.threadState, stack.stack]),
              ),
        ].join('\n');
  return `${h(1, escapeHtml(`SLO ${report.displayName ?? report.name}`))}
<ul>
<li>Service: <code>${escapeHtml(report.service)}</code></li>
<li>Objective: ${escapeHtml(report.objective)} (${escapeHtml(report.budgetingMethod)})</li>
${report.description ? `<li>Description: ${escapeHtml(report.description)}</li>\n` : ''}<li>Evaluated at: ${escapeHtml(report.evaluatedAt)}</li>
<li>Burn-rate state: <span class="state-${escapeHtml(report.burnRate.state)}">${escapeHtml(report.burnRate.state)}</span></li>
<li>Budget period ${escapeHtml(period.window)} (${escapeHtml(period.from)} to ${escapeHtml(period.to)}): compliance ${escapeHtml(percentText(period.compliance))}, error budget remaining ${escapeHtml(percentText(period.budgetRemaining, 1))}</li>
</ul>
${h(2, 'Compliance')}
${table(
  ['window', 'compliance', 'good / total', 'burn rate', 'budget remaining'],
  report.windows.map((window) => [
    window.window,
    percentText(window.compliance),
    `${window.goodEvents} / ${window.totalEvents}`,
    burnRateText(window.burnRate),
    percentText(window.budgetRemaining, 1),
  ]),
)}
${h(2, 'Burn-rate alerts')}
${table(
  ['severity', 'burn rate ≥', 'long window', 'short window', 'firing'],
  report.burnRate.alerts.map((alert) => [
    alert.severity,
    `${alert.burnRate}×`,
    `${windowText(alert.longWindowSeconds)}: ${burnRateText(alert.longBurnRate)}`,
    `${windowText(alert.shortWindowSeconds)}: ${burnRateText(alert.shortBurnRate)}`,
    alert.firing ? 'yes' : 'no',
  ]),
)}
${h(2, `Where the bad time went (last ${escapeHtml(badTime.lookback)})`)}
${breakdown}
`;
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}
</style>
</head>
<body>
${body}</body>
</html>
`;
}

/** The report as one self-contained, printable HTML page. */
export function renderSloReportHtml(report: SloReport): string {
  return page(`SLO ${report.displayName ?? report.name}`, reportSection(report, 0));
}

/** Every report on one printable page: a summary table, then each report in its own section. */
export function renderSloReportsHtml(reports: readonly SloReport[], evaluatedAt: string): string {
  const summary =
    reports.length === 0
      ? '<p>No SLOs are declared.</p>'
      : table(
          ['SLO', 'service', 'burn-rate state', 'compliance (budget period)', 'budget remaining'],
          reports.map((report) => [
            report.displayName ?? report.name,
            report.service,
            report.burnRate.state,
            `${percentText(report.budgetPeriod.compliance)} (${report.budgetPeriod.window})`,
            percentText(report.budgetPeriod.budgetRemaining, 1),
          ]),
        );
  const sections = reports.map((report) => `<section>\n${reportSection(report, 1)}</section>\n`).join('');
  return page('SLO reports', `<h1>SLO reports</h1>\n<p>Evaluated at ${escapeHtml(evaluatedAt)}</p>\n${summary}\n${sections}`);
}
