// The rule table of docs/wait-classes.md, rendered from the rules themselves
// (a test fails when the committed page is stale; regenerate with
// `node schemas/scripts/gen-wait-class-doc.mjs`).
import { WAIT_CLASS_RULES, type FramePattern } from './wait-class-rules.js';
import { FD_KIND_RULES, PROCESS_EXIT_RULE_ID, STACK_CLASSIFIED_SYSCALLS, SYSCALL_NAME_RULE_ID } from './wait-class-context.js';

export const RULES_BEGIN = '<!-- rules:begin (generated from schemas/src/wait-class-rules.ts) -->';
export const RULES_END = '<!-- rules:end -->';

const patternText = (pattern: FramePattern): string =>
  'exact' in pattern ? `\`${pattern.exact}\`` : 'prefix' in pattern ? `\`${pattern.prefix}*\`` : `\`*${pattern.containsInOrder.join('*')}*\``;

const cell = (text: string): string => text.replaceAll('|', '\\|');

export function renderWaitClassRules(): string {
  const rows = [
    '| rule | decided by | class | frames / condition | why |',
    '|---|---|---|---|---|',
    `| \`${SYSCALL_NAME_RULE_ID}\` | syscall name | (per syscall) | — | the call's own class: nothing else decides it |`,
    ...Object.entries(FD_KIND_RULES).map(
      ([kind, rule]) => `| \`${rule.id}\` | fd target (kernel) | ${rule.waitClass} | target kind ${kind} | ${cell(rule.reason)} |`,
    ),
    `| \`${PROCESS_EXIT_RULE_ID}\` | kernel | idle | a stack-classed wait ended by its own process's exit | its stack can no longer be symbolized, and nothing waited on it |`,
    ...WAIT_CLASS_RULES.map(
      (rule) =>
        `| \`${rule.id}\` | user stack (${rule.syscalls.join(', ')}) | ${rule.waitClass} | ${rule.framePatterns.map(patternText).join(', ')} | ${cell(rule.reason)} |`,
    ),
    ...STACK_CLASSIFIED_SYSCALLS.map(
      (syscall) => `| \`${syscall}-default\` | user stack, no rule matched | (syscall default) | — | no frame decided: the syscall's own class |`,
    ),
  ];
  return [RULES_BEGIN, ...rows, RULES_END].join('\n');
}
