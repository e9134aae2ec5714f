import type { SloReport, SloStatus } from '@stallscope/query-api';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { renderTable, type Column } from '../format/table.js';
import type { Style } from '../format/style.js';
import { formatCount, formatMilliseconds, formatPercent, formatSeconds, formatWindow } from '../format/units.js';
import type { Command, Output } from './command.js';

const text = (header: string): Column => ({ header, align: 'left', shrinkable: true });
const number = (header: string): Column => ({ header, align: 'right' });

/** A burn-rate state in red when it pages, yellow when it warns. */
function paintState(state: string, style: Style): string {
  if (state === 'page') return style.red(state);
  if (state === 'ticket') return style.yellow(state);
  return state;
}

function burnRate(value: number | null): string {
  return value === null ? 'no data' : `${value.toFixed(2)}×`;
}

const REPORT_FORMATS = new Set(['markdown', 'html']);

export const sloListCommand: Command = {
  name: 'slo list',
  synopsis: 'slo list',
  summary: 'every SLO with its compliance over its budget period, error budget left and burn-rate state',
  options: {},
  positionals: [],
  request: () => ({ path: '/v1/slos', query: new URLSearchParams() }),
  render(body, output) {
    const { slos } = body as { slos: (SloStatus & { source: string })[] };
    if (slos.length === 0) return 'no SLOs: declare them in slo.files or PUT /v1/slos/{name} (docs/slos.md)';
    const columns = [text('NAME'), text('SERVICE'), number('TARGET'), number('PERIOD'), number('COMPLIANCE'), number('BUDGET LEFT'), { ...text('BURN'), shrinkable: false }, text('SOURCE')];
    const rows = slos.map((slo) => [
      slo.name,
      slo.service,
      formatPercent(slo.target, 3),
      slo.budgetPeriod.window,
      formatPercent(slo.budgetPeriod.compliance, 3),
      formatPercent(slo.budgetPeriod.budgetRemaining, 1),
      slo.burnRate.state,
      slo.source,
    ]);
    const burnColumn = 6;
    columns[burnColumn] = { ...columns[burnColumn]!, paint: (padded, rowIndex) => paintState(padded.trimEnd(), output.style) + padded.slice(padded.trimEnd().length) };
    return renderTable(columns, rows, output);
  },
};

/** The report as a terminal reads it: the objective, compliance per window, burn-rate alerts, and where the bad time went. */
export function renderSloReport(report: SloReport, output: Output): string {
  const { style } = output;
  const period = report.budgetPeriod;
  const lines = [
    `SLO ${report.displayName ?? report.name} (${report.service}): ${report.objective}, ${report.budgetingMethod}`,
    ...(report.description ? [report.description] : []),
    `budget period ${period.window} (${period.from} to ${period.to}): compliance ${formatPercent(period.compliance, 3)}, error budget left ${formatPercent(period.budgetRemaining, 1)}; burn-rate state ${paintState(report.burnRate.state, style)}`,
    '',
    renderTable(
      [number('WINDOW'), number('COMPLIANCE'), number('GOOD'), number('TOTAL'), number('BURN RATE'), number('BUDGET LEFT')],
      report.windows.map((window) => [
        window.window,
        formatPercent(window.compliance, 3),
        formatCount(window.goodEvents),
        formatCount(window.totalEvents),
        burnRate(window.burnRate),
        formatPercent(window.budgetRemaining, 1),
      ]),
      output,
    ),
  ];
  if (report.burnRate.alerts.length > 0) {
    lines.push(
      '',
      style.bold('burn-rate alerts'),
      renderTable(
        [text('SEVERITY'), number('THRESHOLD'), number('LONG'), number('SHORT'), text('FIRING')],
        report.burnRate.alerts.map((alert) => [
          alert.severity,
          `${alert.burnRate}×`,
          `${formatWindow(alert.longWindowSeconds)}: ${burnRate(alert.longBurnRate)}`,
          `${formatWindow(alert.shortWindowSeconds)}: ${burnRate(alert.shortBurnRate)}`,
          alert.firing ? style.red('yes') : 'no',
        ]),
        output,
      ),
    );
  }
  const { badTime } = report;
  lines.push('', style.bold(`where the bad time went (last ${badTime.lookback})`));
  if (badTime.badPeriods === 0) {
    lines.push(`no bad ${report.budgetingMethod === 'Timeslices' ? 'slices' : 'minutes'}`);
    return lines.join('\n');
  }
  lines.push(`${formatCount(badTime.badPeriods)} bad period(s), ${formatSeconds(badTime.badSeconds)} in all`);
  if (badTime.syscalls.length > 0) {
    lines.push(
      renderTable(
        [text('SYSCALL'), text('WAIT'), number('BLOCKED'), number('CALLS'), number('MAX')],
        badTime.syscalls.map((row) => [row.syscall, row.waitClass, formatSeconds(row.blockedSeconds), formatCount(row.calls), formatMilliseconds(row.maxMs)]),
        output,
      ),
    );
  }
  if (badTime.offCpuStacks.length > 0) {
    lines.push(
      '',
      renderTable(
        [number('OFF-CPU'), text('STATE'), { ...text('STACK'), cut: 'start' }],
        badTime.offCpuStacks.map((row) => [formatSeconds(row.offCpuSeconds), row.threadState, row.stack]),
        output,
      ),
    );
  }
  return lines.join('\n');
}

/** Every report: a summary line each, then each report in full. */
function renderSloReports(reports: readonly SloReport[], output: Output): string {
  if (reports.length === 0) return 'no SLOs: declare them in slo.files or PUT /v1/slos/{name} (docs/slos.md)';
  return reports.map((report) => renderSloReport(report, output)).join(`\n\n${'─'.repeat(Math.min(output.width ?? 80, 80))}\n\n`);
}

export const sloReportCommand: Command = {
  name: 'slo report',
  synopsis: 'slo report [name] [--format markdown|html]',
  summary: "an SLO's compliance over 1h..30d, error budget, burn-rate alerts and where the bad time went in the kernel; every SLO's without a name",
  options: { format: { type: 'string' } },
  positionals: [],
  optionalPositionals: ['name'],
  request(values, [name]) {
    const format = values.format as string | undefined;
    if (format !== undefined && !REPORT_FORMATS.has(format)) throw new CliError(`--format must be markdown or html, got ${format} (--json for JSON)`, EXIT_USAGE);
    if (format !== undefined && values.json) throw new CliError('give --format or --json, not both', EXIT_USAGE);
    const query = new URLSearchParams();
    if (format !== undefined) query.set('format', format);
    return {
      path: name === undefined ? '/v1/slo-reports' : `/v1/slos/${encodeURIComponent(name)}/report`,
      query,
      ...(format === undefined ? {} : { verbatim: { accept: format === 'html' ? 'text/html' : 'text/markdown', binary: false } }),
    };
  },
  render: (body, output) => ('reports' in (body as object) ? renderSloReports((body as { reports: SloReport[] }).reports, output) : renderSloReport(body as SloReport, output)),
};
