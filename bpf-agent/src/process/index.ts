// Process identity: who a pid is (service, executable, redacted command line,
// runtime, container, pod), kept current by the kernel's exec/fork/exit events.
export { CgroupScopeError, parseCgroupScope } from './cgroup-scope.js';
export type { CgroupScope } from './cgroup-scope.js';
export { identifyProcess, readProcessInfo } from './process-info.js';
export type { ProcessInfo, ReadProcessInfoOptions, ServiceNameSource } from './process-info.js';
export type { ProcessFacts } from './proc-reader.js';
export { ProcessRegistry, UNKNOWN_PROCESS } from './process-registry.js';
export { processResourceAttributes } from './process-attributes.js';
export { loadServiceRules, ServiceRulesError } from './service-rules.js';
export type { ServiceRule } from './service-rules.js';
export { redactArgv } from './redaction.js';
