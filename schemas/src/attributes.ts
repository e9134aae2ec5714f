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
  waitClassRule: 'stallscope.wait_class.rule',
  /** Of the call's time, how long the thread was runnable but not running. */
  runQueueNs: 'stallscope.run_queue_ns',
  /** errno name (EAGAIN, ...) of a failed call; OTel's error.type carries its class. */
  errnoName: 'stallscope.syscall.errno',
  errorType: 'error.type',
  /** Symbolized user stack, leaf first, when the call's class was decided by it. */
  userStack: 'stallscope.user_stack',
  /** What the call's fd was: file, socket, pipe, eventfd, ... */
  fdTarget: 'stallscope.fd.target',
  filePath: 'file.path',
  networkTransport: 'network.transport',
  networkLocalAddress: 'network.local.address',
  networkLocalPort: 'network.local.port',
  networkPeerAddress: 'network.peer.address',
  networkPeerPort: 'network.peer.port',
  openFlags: 'stallscope.open.flags',
  futexOp: 'stallscope.futex.op',
  /** The futex wait had a timeout (not when it expires: that is behind a user pointer). */
  futexTimed: 'stallscope.futex.timed',
  /** epoll_wait/poll timeout in ms, -1 for none. */
  waitTimeoutMs: 'stallscope.wait.timeout_ms',
  /**
   * Set (true) by the query API on spans it serves that the BPF agent made, e.g. a
   * slow syscall shown as the child of the application span it blocked; never stored.
   */
  kernelDerived: 'stallscope.kernel',
} as const;

/** Attributes of syscall.duration data points (low cardinality: no pid, no tid). */
export const MetricAttr = {
  syscallName: 'stallscope.syscall.name',
  waitClass: 'stallscope.wait_class',
  /** Which rule decided the class: bounded by the rule table, not by data. */
  waitClassRule: 'stallscope.wait_class.rule',
  /** off-CPU thread state: run-queue, sleep, uninterruptible. */
  threadState: 'stallscope.thread.state',
  /** errno name of failed calls (bounded: Linux has ~130). */
  errnoName: 'stallscope.syscall.errno',
  /** OTel's error.type: EINTR, EAGAIN, ETIMEDOUT or other; of tcp.connect.failures: refused or unanswered. */
  errorType: 'error.type',
  /**
   * The peer's TCP port when it is below 1024 or configured (a service's port),
   * else 'other' (ephemeral ports and the rest): bounded, unlike the port itself.
   */
  tcpPeerPortClass: 'stallscope.tcp.peer_port_class',
  /** Of tcp.resets: received (the peer reset) or sent (this host did). */
  tcpResetDirection: 'stallscope.tcp.reset.direction',
} as const;

export const Metrics = {
  syscallDuration: {
    name: 'syscall.duration',
    unit: 'ns',
    description: 'Time threads spent inside a syscall, from sys_enter to sys_exit',
  },
  syscallErrors: {
    name: 'syscall.errors',
    unit: '{error}',
    description: 'Syscalls that failed, by errno: retry storms of EAGAIN or EINTR show here though each call is fast',
  },
  tcpConnectDuration: {
    name: 'tcp.connect.duration',
    unit: 'ns',
    description: 'Time from a TCP connect\'s SYN to the established connection',
  },
  tcpRetransmits: {
    name: 'tcp.retransmits',
    unit: '{segment}',
    description: 'TCP segments sent again, as the kernel\'s RetransSegs counts them',
  },
  tcpResets: {
    name: 'tcp.resets',
    unit: '{reset}',
    description: 'TCP resets received from peers or sent to them',
  },
  tcpConnectFailures: {
    name: 'tcp.connect.failures',
    unit: '{connect}',
    description: 'TCP connects that never got established: refused (reset) or unanswered (timed out or given up)',
  },
  offCpuDuration: {
    name: 'offcpu.duration',
    unit: 'ns',
    description: 'Time threads spent off CPU, by state: waiting on a run queue, or sleeping (interruptible or not)',
  },
} as const;

/** Instrumentation scope of everything the BPF agent produces. */
export const AGENT_SCOPE_NAME = 'stallscope.bpf-agent';

/** The pseudo-syscall under which the rollup keeps run-queue time (migration 0006). */
export const RUN_QUEUE_PSEUDO_SYSCALL = '[run-queue]';

/** Event name of the log records that carry one folded off-CPU stack each. */
export const OFFCPU_STACK_EVENT = 'stallscope.offcpu.stack';

/** Event name of the log records that carry one folded CPU-profile stack each (see docs/profiles.md). */
export const CPU_STACK_EVENT = 'stallscope.cpu.stack';

/** Attributes of CPU stack log records (the body is the folded stack, as for off-CPU stacks). */
export const CpuStackLogAttr = {
  /** cpu-clock samples that hit the stack in the interval. */
  samples: 'stallscope.cpu.samples',
  /** CPU time they stand for: samples x the sampling period, ns. */
  cpuNs: 'stallscope.cpu.ns',
} as const;

/** Event name of the log records that carry one notable TCP connection each. */
export const TCP_CONNECTION_EVENT = 'stallscope.tcp.connection';

/** Attributes of TCP connection log records (OTel network.* where one exists). */
export const TcpLogAttr = {
  networkTransport: 'network.transport',
  networkType: 'network.type',
  networkPeerAddress: 'network.peer.address',
  networkPeerPort: 'network.peer.port',
  networkLocalAddress: 'network.local.address',
  networkLocalPort: 'network.local.port',
  processPid: 'process.pid',
  /** Why it is notable: connect_failed, refused, reset_received, reset_sent, retransmits. */
  reasons: 'stallscope.tcp.notable',
  /** The TCP state it closed from (SYN_SENT, ESTABLISHED, ...). */
  lastState: 'stallscope.tcp.state',
  connectNs: 'stallscope.tcp.connect_ns',
  retransmits: 'stallscope.tcp.retransmits',
} as const;

/** Attributes of off-CPU stack log records (the body is the folded stack). */
export const LogAttr = {
  threadState: 'stallscope.thread.state',
  /** Off-CPU time under the stack in the interval, ns (estimated from sampled sleeps). */
  offCpuNs: 'stallscope.offcpu.ns',
  /** Sleeps the figure stands for. */
  sleeps: 'stallscope.offcpu.sleeps',
} as const;
