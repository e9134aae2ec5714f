// Attribute and metric names: OpenTelemetry semantic conventions where one
// exists, the `stallscope.` namespace where none does.

export const ResourceAttr = {
  serviceName: 'service.name',
  hostName: 'host.name',
  processPid: 'process.pid',
  processExecutableName: 'process.executable.name',
  processExecutablePath: 'process.executable.path',
  /** Redacted by the agent before it is set: no secret leaves the host. */
  processCommandLine: 'process.command_line',
  processRuntimeName: 'process.runtime.name',
  containerId: 'container.id',
  k8sPodUid: 'k8s.pod.uid',
} as const;

export const SpanAttr = {
  threadId: 'thread.id',
  syscallName: 'stallscope.syscall.name',
  syscallNr: 'stallscope.syscall.nr',
  syscallArgs: 'stallscope.syscall.args',
  syscallReturnValue: 'stallscope.syscall.return_value',
  waitClass: 'stallscope.wait_class',
} as const;

/** Attributes of syscall.duration data points (low cardinality: no pid, no tid). */
export const MetricAttr = {
  syscallName: 'stallscope.syscall.name',
  waitClass: 'stallscope.wait_class',
} as const;

export const Metrics = {
  syscallDuration: {
    name: 'syscall.duration',
    unit: 'ns',
    description: 'Time threads spent inside a syscall, from sys_enter to sys_exit',
  },
} as const;

/** Instrumentation scope of everything the BPF agent produces. */
export const AGENT_SCOPE_NAME = 'stallscope.bpf-agent';
