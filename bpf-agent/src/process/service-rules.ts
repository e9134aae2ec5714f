/**
 * Operator-written naming rules (YAML): a list of
 *
 *   - match: { exe: java, cmdline: '-jar /srv/(\w+)/', cgroup: ..., container: ..., comm: ... }
 *     service: 'shop-$1'
 *     attributes: { team: payments }
 *
 * Every condition given must match (all of them); the first matching rule
 * names the process. `exe` is a glob (`*` within a path segment, `**` across
 * segments, `?` one character) over the executable's path, or over its file
 * name when the glob has no `/`; written `/.../` it is a regular expression.
 * The others are regular expressions, unanchored (anchor with ^ and $):
 * `cmdline` over the REDACTED command line joined by spaces (so no capture can
 * carry a secret), `cgroup` over /proc/PID/cgroup, `container` over the
 * container id, `comm` over the kernel's 15-character task name. `service` and
 * attribute values may use `$1`..`$9`, the `cmdline` expression's groups.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RESERVED_ATTRIBUTE_KEYS } from './process-attributes.js';

export class ServiceRulesError extends Error {
  override name = 'ServiceRulesError';
}

const MATCH_FIELDS = ['exe', 'cmdline', 'cgroup', 'container', 'comm'] as const;
type MatchField = (typeof MATCH_FIELDS)[number];
const RULE_FIELDS = ['match', 'service', 'attributes'] as const;
const CAPTURE_REFERENCE = /\$(\d)/g;

export interface ServiceRule {
  match: Partial<Record<MatchField, RegExp>>;
  /** Exe globs without `/` are matched against the file name only. */
  exeMatchesFileName: boolean;
  service: string;
  attributes: Readonly<Record<string, string>>;
}

/** What a rule is matched against; the command line is already redacted. */
export interface ServiceRuleSubject {
  exePath: string | undefined;
  commandLine: string | undefined;
  cgroup: string | undefined;
  containerId: string | undefined;
  comm: string | undefined;
}

export interface ServiceRuleMatch {
  serviceName: string;
  attributes: Readonly<Record<string, string>>;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === '*' && glob[index + 1] === '*') {
      source += '.*';
      index++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function captureGroupCount(expression: RegExp): number {
  // An alternative that matches the empty string yields every group, unmatched.
  return new RegExp(`${expression.source}|`).exec('')!.length - 1;
}

function parseRule(entry: unknown, where: string): ServiceRule {
  const fail = (message: string): never => {
    throw new ServiceRulesError(`${where}: ${message}`);
  };
  if (!isPlainObject(entry)) return fail('must be a mapping with `match` and `service`');
  for (const key of Object.keys(entry)) {
    if (!(RULE_FIELDS as readonly string[]).includes(key)) fail(`unknown key "${key}" (known: ${RULE_FIELDS.join(', ')})`);
  }
  const { match, service, attributes = {} } = entry;
  if (!isPlainObject(match)) return fail('`match` must be a mapping');
  const matchers: Partial<Record<MatchField, RegExp>> = {};
  let exeMatchesFileName = false;
  for (const [key, value] of Object.entries(match)) {
    if (!(MATCH_FIELDS as readonly string[]).includes(key)) fail(`unknown key "match.${key}" (known: ${MATCH_FIELDS.join(', ')})`);
    if (typeof value !== 'string' || value === '') return fail(`match.${key} must be a non-empty string`);
    const field = key as MatchField;
    const isDelimitedRegex = field === 'exe' && value.length > 2 && value.startsWith('/') && value.endsWith('/');
    try {
      if (field !== 'exe') matchers[field] = new RegExp(value);
      else if (isDelimitedRegex) matchers.exe = new RegExp(value.slice(1, -1));
      else {
        matchers.exe = globToRegExp(value);
        exeMatchesFileName = !value.includes('/');
      }
    } catch (error) {
      fail(`match.${key} is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (Object.keys(matchers).length === 0) fail(`\`match\` must name at least one of ${MATCH_FIELDS.join(', ')}`);
  if (typeof service !== 'string' || service.trim() === '') return fail('`service` must be a non-empty string');
  if (!isPlainObject(attributes)) return fail('`attributes` must be a mapping of names to strings');
  const attributeValues: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (RESERVED_ATTRIBUTE_KEYS.has(key)) fail(`attribute "${key}" is set by the agent and cannot be overridden`);
    if (typeof value !== 'string') fail(`attribute "${key}" must be a string (quote it in YAML)`);
    attributeValues[key] = value as string;
  }
  const groups = matchers.cmdline ? captureGroupCount(matchers.cmdline) : 0;
  for (const template of [service, ...Object.values(attributeValues)]) {
    for (const [reference, group] of template.matchAll(CAPTURE_REFERENCE)) {
      if (Number(group) > groups || Number(group) === 0) {
        fail(`"${reference}" in "${template}" refers to no capture group of match.cmdline (it has ${groups})`);
      }
    }
  }
  return { match: matchers, exeMatchesFileName, service, attributes: attributeValues };
}

function describeEntry(entry: unknown, index: number, fileName: string): string {
  const service = isPlainObject(entry) && typeof entry.service === 'string' ? ` (service "${entry.service}")` : '';
  return `service rules file ${fileName}: rule ${index + 1}${service}`;
}

/** Parses and checks a rules file's text; every error names the file and the rule. */
export function parseServiceRules(text: string, fileName: string): ServiceRule[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ServiceRulesError(`service rules file ${fileName}: not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return [];
  if (!Array.isArray(document)) throw new ServiceRulesError(`service rules file ${fileName}: must hold a list of rules`);
  return document.map((entry, index) => parseRule(entry, describeEntry(entry, index, fileName)));
}

/** The rules in `file`; no file configured (empty path) means no rules. */
export function loadServiceRules(file: string): ServiceRule[] {
  if (file === '') return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ServiceRulesError(`service rules file ${file}: cannot be read: ${(error as Error).message}`);
  }
  return parseServiceRules(text, file);
}

function fill(template: string, groups: RegExpExecArray | undefined): string {
  return template.replace(CAPTURE_REFERENCE, (_, group: string) => groups?.[Number(group)] ?? '');
}

function conditionsMatch(rule: ServiceRule, subject: ServiceRuleSubject): { holds: boolean; groups?: RegExpExecArray } {
  const { exe, cmdline, cgroup, container, comm } = rule.match;
  if (exe) {
    if (subject.exePath === undefined) return { holds: false };
    if (!exe.test(rule.exeMatchesFileName ? basename(subject.exePath) : subject.exePath)) return { holds: false };
  }
  const simple: Array<[RegExp | undefined, string | undefined]> = [
    [cgroup, subject.cgroup],
    [container, subject.containerId],
    [comm, subject.comm],
  ];
  for (const [expression, value] of simple) {
    if (expression && (value === undefined || !expression.test(value))) return { holds: false };
  }
  if (!cmdline) return { holds: true };
  const groups = subject.commandLine === undefined ? null : cmdline.exec(subject.commandLine);
  return groups ? { holds: true, groups } : { holds: false };
}

/** The first rule whose conditions all hold, its `$n` references filled; a rule naming an empty service is passed over. */
export function matchServiceRules(rules: readonly ServiceRule[], subject: ServiceRuleSubject): ServiceRuleMatch | undefined {
  for (const rule of rules) {
    const { holds, groups } = conditionsMatch(rule, subject);
    if (!holds) continue;
    const serviceName = fill(rule.service, groups).trim();
    if (serviceName === '') continue;
    const attributes = Object.fromEntries(Object.entries(rule.attributes).map(([key, value]) => [key, fill(value, groups)]));
    return { serviceName, attributes };
  }
  return undefined;
}
