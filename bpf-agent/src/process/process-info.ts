/**
 * A process's identity, decided from what /proc says about it. Service name
 * precedence, first that yields a name wins:
 *
 *   1. a service rule (operator's rules file),
 *   2. OTEL_SERVICE_NAME,
 *   3. service.name in OTEL_RESOURCE_ATTRIBUTES,
 *   4. the program a runtime runs (java main class or jar, node/python/... script,
 *      python -m module, a shell's script),
 *   5. the executable's name (argv[0] or comm for memfd and deleted executables).
 *
 * Every attribute is made from the redacted command line; of the environment
 * only the two OTEL_* naming variables are read.
 */
import { basename } from 'node:path';
import { containerIdFromCgroup, podUidFromCgroup } from './cgroup-identity.js';
import { executableName, executablePathOf } from './executable-name.js';
import {
  otelNamingVariables,
  serviceNameFromOtelServiceName,
  serviceNameFromResourceAttributes,
} from './otel-environment.js';
import { readProcessFacts, type ProcessFacts } from './proc-reader.js';
import { REDACTED, redactArgv } from './redaction.js';
import { runtimeServiceName } from './runtime-service-name.js';
import { matchServiceRules, type ServiceRule } from './service-rules.js';

/** Which rule of the precedence named the service. */
export type ServiceNameSource = 'rule' | 'otel_service_name' | 'otel_resource_attributes' | 'runtime' | 'executable';

/**
 * What the agent knows of a traced process; nothing secret is kept. The fields
 * after the first three are optional so that code naming a process by hand
 * (tests, the unknown process) need not spell out what it does not know.
 */
export interface ProcessInfo {
  serviceName: string;
  /** process.executable.name: the program's name (see executableName()). */
  executableName: string;
  containerId: string | undefined;
  /** Which rule of the precedence named the service. */
  serviceNameSource?: ServiceNameSource;
  /** process.executable.path: /proc/PID/exe without the ` (deleted)` marker. */
  executablePath?: string | undefined;
  /** process.command_line: redacted, and cut at MAX_COMMAND_LINE_CHARS. */
  commandLine?: string | undefined;
  /** process.runtime.name where the executable is a known runtime (java, nodejs, python, ...). */
  runtimeName?: string | undefined;
  /** k8s.pod.uid, from the kubelet's cgroup path. */
  podUid?: string | undefined;
  /** Attributes the matching service rule adds. */
  ruleAttributes?: Readonly<Record<string, string>>;
  /** Field 22 of /proc/PID/stat: tells the process apart from a later one given the same pid. */
  startTimeTicks?: number | undefined;
  /** /proc/PID/cgroup as read when the process was named: the agent's cgroup scope is decided on it. */
  cgroup?: string | undefined;
}

/**
 * A JVM's command line carries its whole classpath (over 10 000 characters for
 * a Kafka broker); the attribute is resent with every export, so it is cut.
 */
export const MAX_COMMAND_LINE_CHARS = 4096;

function cut(commandLine: string | undefined): string | undefined {
  if (commandLine === undefined || commandLine.length <= MAX_COMMAND_LINE_CHARS) return commandLine;
  return `${commandLine.slice(0, MAX_COMMAND_LINE_CHARS - 1)}…`;
}

/** A name that redaction produced is no name. */
const usable = (name: string | undefined): string | undefined => (name && !name.includes(REDACTED) ? name : undefined);

/** The identity of a process from its /proc facts; undefined when they name nothing (no exe, argv or comm). */
export function identifyProcess(facts: ProcessFacts, rules: readonly ServiceRule[] = []): ProcessInfo | undefined {
  const argv = redactArgv(facts.argv);
  const name = executableName(facts.exeLink, argv[0], facts.comm);
  if (name === undefined) return undefined;
  const executablePath = facts.exeLink === undefined ? undefined : executablePathOf(facts.exeLink);
  // Rules see the whole command line: a main class comes after the classpath.
  const fullCommandLine = argv.length === 0 ? undefined : argv.join(' ');
  const containerId = facts.cgroup === undefined ? undefined : containerIdFromCgroup(facts.cgroup);
  const podUid = facts.cgroup === undefined ? undefined : podUidFromCgroup(facts.cgroup);
  const runtime = runtimeServiceName(executablePath === undefined ? undefined : basename(executablePath), argv, facts.cwd);
  const ruleMatch = matchServiceRules(rules, {
    exePath: executablePath,
    commandLine: fullCommandLine,
    cgroup: facts.cgroup,
    containerId,
    comm: facts.comm,
  });
  const otel = otelNamingVariables(facts.environ);

  const candidates: Array<[ServiceNameSource, string | undefined]> = [
    ['rule', ruleMatch?.serviceName],
    ['otel_service_name', serviceNameFromOtelServiceName(otel.serviceName)],
    ['otel_resource_attributes', serviceNameFromResourceAttributes(otel.resourceAttributes)],
    ['runtime', usable(runtime?.serviceName)],
  ];
  const named = (candidate: [ServiceNameSource, string | undefined]): candidate is [ServiceNameSource, string] => candidate[1] !== undefined;
  const [serviceNameSource, serviceName] = candidates.find(named) ?? ['executable', name];
  return {
    serviceName,
    serviceNameSource,
    executableName: name,
    executablePath,
    commandLine: cut(fullCommandLine),
    runtimeName: runtime?.runtimeName,
    containerId,
    podUid,
    ruleAttributes: ruleMatch?.attributes ?? {},
    startTimeTicks: facts.startTimeTicks,
    cgroup: facts.cgroup,
  };
}

export interface ReadProcessInfoOptions {
  rules?: readonly ServiceRule[];
  procRoot?: string;
}

/** Reads /proc for one process; undefined once it has exited. */
export function readProcessInfo(tgid: number, options: ReadProcessInfoOptions = {}): ProcessInfo | undefined {
  const facts = readProcessFacts(tgid, options.procRoot);
  return facts === undefined ? undefined : identifyProcess(facts, options.rules);
}
