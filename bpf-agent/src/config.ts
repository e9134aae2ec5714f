import { Type, type Static } from '@sinclair/typebox';

export const agentConfigSchema = Type.Object(
  {
    /** The stallscope-loader binary; empty means the one built in this package. */
    loaderPath: Type.String(),
    /** How often the kernel histograms are read and exported. */
    intervalMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
    /** Syscalls at least this slow become spans (one ring-buffer record each). */
    slowSyscallThresholdMs: Type.Number({ exclusiveMinimum: 0 }),
    /** Idle waits (epoll_wait, nanosleep, a Go runtime's parked threads...) are slow by design; spans for them only on request. */
    slowSpansForIdleSyscalls: Type.Boolean(),
    /**
     * What a syscall's time is. `off-cpu`: the time it spent off the CPU,
     * asleep or waiting to run again, and the sync calls (fsync and its kin,
     * which write pages out on the caller's CPU) from entry to exit; another
     * call that never left the CPU counts with no time. It costs about half
     * of `every-call` (no program at most calls' entry, no clock read on a
     * call that stayed on the CPU). x86-64 only; elsewhere every call is
     * timed. `every-call`: every call from its entry to its exit, on the CPU
     * or off it (two clock reads on every call of the host).
     */
    syscallTiming: Type.Union([Type.Literal('every-call'), Type.Literal('off-cpu')]),
    /**
     * Calls whose class depends on the caller (futex) take a user stack when
     * they blocked at least this long; shorter ones keep the syscall's default
     * class (they carry little blocked time). 0 takes a stack for every such call.
     */
    stackMinUs: Type.Number({ minimum: 0 }),
    /**
     * Calls classed by their fd's target (read, write, recv, send...) look it
     * up when they took at least this long; shorter ones keep the syscall's
     * default class (they carry next to no blocked time, and the lookup is most
     * of their tracing cost). 0 looks up every call.
     */
    fdClassMinUs: Type.Number({ minimum: 0 }),
    /**
     * Wall time per interval the agent may spend naming new stacks; the rest
     * wait for later intervals (a host's first interval brings thousands).
     * The CPU profile has a budget of this size of its own.
     */
    symbolizeBudgetMsPerInterval: Type.Integer({ minimum: 1, maximum: 60_000 }),
    /**
     * Memory for the symbol tables of the binaries whose stacks the agent names
     * (least recently used dropped first, read again when needed): a host with
     * large binaries (a JVM, LLVM, Chromium) needs tens of MiB for all of them.
     */
    symbolCacheMiB: Type.Integer({ minimum: 1, maximum: 4096 }),
    /**
     * A process that runs the agent and no server-side module runs V8 in lite
     * mode: no optimizing compilers, unused bytecode flushed. It holds ~20 MB
     * less (RSS) for 1–5% more of one core (bench/agent-rss.mjs); off, it
     * keeps Node's optimizing tiers.
     */
    liteRuntime: Type.Boolean(),
    /**
     * The nice value a process that runs the agent gives itself and the
     * loader at start, so the services it watches win the CPU when both want
     * it (its per-interval work no longer delays their requests). A value the
     * process already has that is higher stays; 0 keeps the normal priority.
     */
    niceness: Type.Integer({ minimum: 0, maximum: 19 }),
    /** Off-CPU stacks: the heaviest kept per service and thread state each interval. */
    offCpuStacksPerService: Type.Integer({ minimum: 0, maximum: 1000 }),
    /**
     * Off-CPU stacks cost a stack walk per sleep: a thread gets one every sleep
     * until its last 3 sleeps were all short (< 10 ms), then 1 sleep in this
     * many (counted as many times, so the time estimate has no bias) until it
     * sleeps long again. 1 takes every sleep.
     */
    offCpuStackSampleEvery: Type.Integer({ minimum: 1, maximum: 65_536 }),
    /** CPU profile: cpu-clock samples per second on each CPU (a prime does not beat with periodic work). */
    profileSampleHz: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** CPU profile: the most sampled stacks kept per service each interval; the rest are summed into one line. */
    profileStacksPerService: Type.Integer({ minimum: 1, maximum: 100_000 }),
    /** Each signal can be switched off; one the kernel lacks a hook for is off with one log line. */
    signals: Type.Object(
      { syscalls: Type.Boolean(), offcpu: Type.Boolean(), process: Type.Boolean(), tcp: Type.Boolean(), goruntime: Type.Boolean(), profile: Type.Boolean(), memory: Type.Boolean() },
      { additionalProperties: false },
    ),
    /**
     * The goruntime signal's parts, each switchable: its probes are attached to
     * every Go binary (found at exec; new processes need the process signal).
     * Each probe hit costs about a microsecond of the probed program's time;
     * waits probe the scheduler's hottest path (every park and every run of a
     * goroutine), see docs/go-runtime.md for its measured cost.
     */
    goRuntime: Type.Object(
      {
        /** Stop-the-world pauses (GC pauses among them) and GC cycles. */
        gc: Type.Boolean(),
        /** Goroutines created (and the alarm on their rate) and live. */
        goroutines: Type.Boolean(),
        /**
         * Goroutine blocked time by wait reason, with park stacks. Off by
         * default: its probes sit on the scheduler's hottest path (every park
         * and every run of a goroutine, ~5 µs a hit measured on a VM).
         */
        waits: Type.Boolean(),
        /** One park in this many takes its goroutine's stack (counted as many times). */
        parkStackSampleEvery: Type.Integer({ minimum: 1, maximum: 65_536 }),
        /** The heaviest park stacks kept per service and wait reason each interval. */
        parkStacksPerService: Type.Integer({ minimum: 0, maximum: 1000 }),
      },
      { additionalProperties: false },
    ),
    /**
     * The memory signal: user page faults (major and minor), RSS of the largest
     * processes, OOM kills, and a flight recorder of each process's last
     * seconds of memory activity, dumped at an OOM kill or a threshold crossing.
     */
    memory: Type.Object(
      {
        /** How far back a flight recorder dump reaches. */
        flightRecorderSeconds: Type.Integer({ minimum: 1, maximum: 300 }),
        /** Processes recorded at once (least recently active dropped first): bounds the recorder's memory. */
        flightRecorderMaxProcesses: Type.Integer({ minimum: 1, maximum: 100_000 }),
        /** A process whose RSS reaches this dumps its flight recorder (once, again after falling below); 0: only OOM kills dump. */
        flightRecorderThresholdMiB: Type.Integer({ minimum: 0 }),
        /** The largest processes whose RSS is exported each interval (process.memory.usage). */
        rssTopProcesses: Type.Integer({ minimum: 0, maximum: 10_000 }),
      },
      { additionalProperties: false },
    ),
    /**
     * Peer ports of 1024 and above that TCP metrics name by number (a database's
     * 5432, ...); ports below 1024 always are, all others share the class 'other'.
     */
    tcpServicePorts: Type.Array(Type.Integer({ minimum: 1024, maximum: 65_535 }), { maxItems: 1024 }),
    /** Notable TCP connections (failed, reset, retransmitting) sent per second, host-wide; the rest are counted as dropped. */
    tcpConnectionEventsPerSecond: Type.Integer({ minimum: 0, maximum: 100_000 }),
    /** Bounds span volume from one noisy process. */
    maxSlowSpansPerProcessPerInterval: Type.Integer({ minimum: 0 }),
    /** Size of the kernel histogram map: (process, syscall, bucket) entries. */
    maxHistEntries: Type.Integer({ minimum: 1024, maximum: 4_194_304 }),
    /** host.name of everything this agent reports; empty means the machine's hostname. */
    hostName: Type.String(),
    /**
     * Report only the processes in this cgroup's subtree (the agent then
     * stands for one "host" among several on a kernel): a cgroup v2 path as
     * /proc/PID/cgroup shows it (`/fleet/host-a`), or `<v1 hierarchy>:<path>`
     * (`memory:/fleet/host-a`); empty reports every process. A process's
     * cgroup is read when the agent first sees it and at each exec.
     */
    cgroupScope: Type.String(),
    /** Bounds the agent's memory: processes whose name and counters it remembers. */
    maxTrackedProcesses: Type.Integer({ minimum: 16 }),
    /**
     * YAML file of service naming rules (match on exe, cmdline, cgroup,
     * container, comm -> service name and attributes), tried before the
     * process's own OTEL_* variables; empty means none. Read once at start.
     */
    serviceRulesFile: Type.String(),
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof agentConfigSchema>;

export const agentConfigDefaults: AgentConfig = {
  loaderPath: '',
  intervalMs: 5000,
  slowSyscallThresholdMs: 10,
  slowSpansForIdleSyscalls: false,
  syscallTiming: 'off-cpu',
  stackMinUs: 10,
  fdClassMinUs: 2,
  offCpuStacksPerService: 20,
  symbolizeBudgetMsPerInterval: 200,
  symbolCacheMiB: 32,
  liteRuntime: true,
  niceness: 10,
  offCpuStackSampleEvery: 16,
  profileSampleHz: 19,
  profileStacksPerService: 500,
  signals: { syscalls: true, offcpu: true, process: true, tcp: true, goruntime: true, profile: true, memory: true },
  goRuntime: { gc: true, goroutines: false, waits: false, parkStackSampleEvery: 16, parkStacksPerService: 10 },
  memory: { flightRecorderSeconds: 5, flightRecorderMaxProcesses: 1024, flightRecorderThresholdMiB: 0, rssTopProcesses: 20 },
  tcpServicePorts: [],
  tcpConnectionEventsPerSecond: 100,
  maxSlowSpansPerProcessPerInterval: 50,
  maxHistEntries: 65_536,
  hostName: '',
  cgroupScope: '',
  maxTrackedProcesses: 20_000,
  serviceRulesFile: '',
};
