// Attribute and metric names: OpenTelemetry semantic conventions where one
// exists, the `stallscope.` namespace where none does.

export const ResourceAttr = {
  serviceName: 'service.name',
  serviceVersion: 'service.version',
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
  /** Why a Go runtime stopped the world, as that runtime names it (GC mark termination, ...). */
  goStwReason: 'stallscope.go.stw_reason',
  /** Why a goroutine parked, as its runtime names it (sync.Mutex.Lock, chan receive, IO wait, ...). */
  goWaitReason: 'stallscope.go.wait_reason',
  /** Of process.paging.faults: major (read from disk) or minor (OTel semantic conventions). */
  pagingFaultType: 'system.paging.fault.type',
} as const;

export const Metrics = {
  syscallDuration: {
    name: 'syscall.duration',
    unit: 'ns',
    description: 'Time threads spent blocked inside a syscall: its time off the CPU (sync calls such as fsync from entry to exit), or with agent.syscallTiming every-call from sys_enter to sys_exit',
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
  goStwDuration: {
    name: 'go.stw.duration',
    unit: 'ns',
    description: 'Stop-the-world pauses of Go runtimes, by reason: GC mark and sweep termination are the GC pauses',
  },
  goGcCycles: {
    name: 'go.gc.cycles',
    unit: '{cycle}',
    description: 'Garbage collection cycles of Go runtimes (one sweep-termination pause each)',
  },
  goGoroutinesCreated: {
    name: 'go.goroutine.created',
    unit: '{goroutine}',
    description: 'Goroutines created',
  },
  goGoroutineCount: {
    name: 'go.goroutine.count',
    unit: '{goroutine}',
    description: 'Live goroutines: created minus exited since the agent probed the binary',
  },
  goGoroutineWaitDuration: {
    name: 'go.goroutine.wait.duration',
    unit: 'ns',
    description: 'Time goroutines spent parked, by the runtime\'s wait reason, until they ran again',
  },
  processPagingFaults: {
    name: 'process.paging.faults',
    unit: '{fault}',
    description: 'User page faults, major (the page was read from disk) or minor',
  },
  processMemoryUsage: {
    name: 'process.memory.usage',
    unit: 'By',
    description: 'Resident set size of the service\'s processes among the host\'s largest, summed; sampled from /proc each interval',
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

/** Event name of the log records that carry one folded Go park stack each. */
export const GO_PARK_STACK_EVENT = 'stallscope.go.park_stack';

/** Attributes of Go park stack log records (the body is the folded goroutine stack). */
export const GoParkLogAttr = {
  waitReason: 'stallscope.go.wait_reason',
  /** Park time under the stack in the interval, ns (estimated from sampled parks). */
  parkedNs: 'stallscope.go.parked_ns',
  /** Parks the figure stands for. */
  parks: 'stallscope.go.parks',
} as const;

/** The stop-the-world reasons that are GC pauses (the runtime's own names). */
export const GO_GC_STW_REASONS = ['GC mark termination', 'GC sweep termination'] as const;
/** The one stop-the-world of each GC cycle that starts it. */
export const GO_GC_CYCLE_STW_REASON = 'GC sweep termination';

/**
 * Wait reasons of the runtime's own background goroutines (GC workers,
 * sweeper, scavenger, finalizers...): parked by design, like idle threads,
 * they are not what a service's goroutines wait for and are ranked apart.
 */
export const GO_IDLE_WAIT_REASONS = [
  'GC worker (idle)',
  'GC worker (active)',
  'GC sweep wait',
  'GC scavenge wait',
  'finalizer wait',
  'cleanup wait',
  'force gc (idle)',
  'GOMAXPROCS updater (idle)',
  'trace reader (blocked)',
  'GC weak to strong wait',
  'wait for GC cycle',
] as const;

/** Event name of the log records that carry one folded CPU-profile stack each (see docs/profiles.md). */
export const CPU_STACK_EVENT = 'stallscope.cpu.stack';

/** Attributes of CPU stack log records (the body is the folded stack, as for off-CPU stacks). */
export const CpuStackLogAttr = {
  /** cpu-clock samples that hit the stack in the interval. */
  samples: 'stallscope.cpu.samples',
  /** CPU time they stand for: samples x the sampling period, ns. */
  cpuNs: 'stallscope.cpu.ns',
} as const;

/** Event name of the log record of one OOM kill (oom:mark_victim). */
export const OOM_KILL_EVENT = 'stallscope.memory.oom_kill';
/** Event name of the flight recorder's log records: one per sample of a dumped process. */
export const MEMORY_FLIGHT_RECORD_EVENT = 'stallscope.memory.flight_record';

/** Attributes of OOM kill and flight recorder log records; sizes in bytes. */
export const MemoryLogAttr = {
  processPid: 'process.pid',
  processCommand: 'process.command',
  /** The victim's memory cgroup path (cgroup v2, or v1's memory controller). */
  cgroup: 'stallscope.memory.cgroup',
  anonRssBytes: 'stallscope.memory.anon_rss_bytes',
  fileRssBytes: 'stallscope.memory.file_rss_bytes',
  shmemRssBytes: 'stallscope.memory.shmem_rss_bytes',
  totalVmBytes: 'stallscope.memory.total_vm_bytes',
  pgtablesBytes: 'stallscope.memory.pgtables_bytes',
  oomScoreAdj: 'stallscope.memory.oom_score_adj',
  /** The process whose allocation found no memory (the victim may be another one). */
  triggerPid: 'stallscope.memory.trigger_pid',
  /** Ties a dump's samples to what caused it: `<pid>-<unix ns>` of the kill or the crossing. */
  dumpId: 'stallscope.memory.dump_id',
  /** oom_kill or threshold. */
  dumpTrigger: 'stallscope.memory.dump_trigger',
  /** Flight recorder sample: its length (a kernel slot, or 0 for an RSS reading). */
  sampleMs: 'stallscope.memory.sample_ms',
  faults: 'stallscope.memory.faults',
  mmapBytes: 'stallscope.memory.mmap_bytes',
  munmapBytes: 'stallscope.memory.munmap_bytes',
  brkBytes: 'stallscope.memory.brk_bytes',
  rssBytes: 'stallscope.memory.rss_bytes',
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
