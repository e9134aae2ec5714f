// Starts: the machine's C compiler, on a program printing sizeof/offsetof of loader/records.h.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CpuStackRecordLayout,
  DROP_REASONS,
  GO_HIST_KINDS,
  GO_MAX_BINARIES,
  GO_PROBE_FUNCTIONS,
  GoCountsRecordLayout,
  GoHistRecordLayout,
  GoParkStackRecordLayout,
  HelloRecordLayout,
  CLASS_KEY_PENDING_STACK,
  CLASS_RULE_SHIFT,
  CLASSIFY_BY_FD,
  CLASSIFY_BY_STACK,
  CLASSIFY_BY_OPENED_FD,
  FD_KINDS,
  FD_RULE_BASE,
  MAX_HIST_BUCKET,
  MEMORY_SLOT_NS,
  MemorySampleRecordLayout,
  OomVictimRecordLayout,
  PROCESS_EXIT_RULE,
  MAX_STACK_DEPTH,
  MAX_SYSCALL_NR,
  OFFCPU_STATES,
  PROCESS_ARGS_LEN,
  PROCESS_FILENAME_LEN,
  OffCpuHistRecordLayout,
  ProcessEventKind,
  ProcessEventRecordLayout,
  STACK_RULE_BASE,
  SignalBit,
  UserStackRecordLayout,
  WAIT_CLASS_CODES,
  RECORD_ABI_VERSION,
  RecordHeaderLayout,
  RecordType,
  SLOW_SYSCALL_ARGS,
  SlowSyscallRecordLayout,
  SnapshotEndRecordLayout,
  OffCpuStackRecordLayout,
  StackTraceRecordLayout,
  StacksResetRecordLayout,
  SyscallErrorsRecordLayout,
  SyscallHistRecordLayout,
  TASK_COMM_LEN,
  TCP_COUNT_KINDS,
  TCP_PORT_CLASS_OTHER,
  TcpConnectHistRecordLayout,
  TcpConnectionFlag,
  TcpConnectionRecordLayout,
  TcpCountRecordLayout,
} from './loader-records.js';
import { recordsHeaderPath } from './paths.js';

const fixture = fileURLToPath(new URL('../test-fixtures/record-layout.c', import.meta.url));
const compiler = process.env.CC ?? 'cc';

/** Each TypeScript layout, its C struct and the C member behind every offset. */
const layouts: { struct: string; layout: Record<string, number>; members: Record<string, string> }[] = [
  {
    struct: 'record_header',
    layout: RecordHeaderLayout,
    members: { type: 'type', version: 'version', recordSize: 'size' },
  },
  {
    struct: 'hello_record',
    layout: HelloRecordLayout,
    members: {
      loaderPid: 'loader_pid',
      intervalMs: 'interval_ms',
      monotonicNs: 'monotonic_ns',
      realtimeNs: 'realtime_ns',
      slowThresholdNs: 'slow_threshold_ns',
      maxHistEntries: 'max_hist_entries',
      signals: 'signals',
    },
  },
  {
    struct: 'syscall_hist_record',
    layout: SyscallHistRecordLayout,
    members: {
      tgid: 'key.tgid',
      syscallNr: 'key.syscall_nr',
      bucket: 'key.bucket',
      classKey: 'key.class_key',
      count: 'value.count',
      sumNs: 'value.sum_ns',
      maxNs: 'value.max_ns',
    },
  },
  {
    struct: 'snapshot_end_record',
    layout: SnapshotEndRecordLayout,
    members: { monotonicNs: 'monotonic_ns', realtimeNs: 'realtime_ns', drops: 'drops' },
  },
  {
    struct: 'slow_syscall_record',
    layout: SlowSyscallRecordLayout,
    members: {
      tgid: 'event.tgid',
      tid: 'event.tid',
      syscallNr: 'event.syscall_nr',
      classKey: 'event.class_key',
      args: 'event.args',
      ret: 'event.ret',
      startNs: 'event.start_ns',
      durationNs: 'event.duration_ns',
      runQueueNs: 'event.run_queue_ns',
      stackId: 'event.stack_id',
      comm: 'event.comm',
    },
  },
  {
    struct: 'syscall_errors_record',
    layout: SyscallErrorsRecordLayout,
    members: { tgid: 'key.tgid', syscallNr: 'key.syscall_nr', errno: 'key.errno_value', count: 'count' },
  },
  {
    struct: 'stack_trace_record',
    layout: StackTraceRecordLayout,
    members: { stackId: 'stack_id', depth: 'depth', ips: 'ips' },
  },
  {
    struct: 'offcpu_stack_record',
    layout: OffCpuStackRecordLayout,
    members: {
      tgid: 'key.tgid',
      state: 'key.state',
      kernelStack: 'key.kernel_stack',
      userStack: 'key.user_stack',
      offCpuNs: 'value.off_cpu_ns',
      count: 'value.count',
    },
  },
  { struct: 'stacks_reset_record', layout: StacksResetRecordLayout, members: {} },
  {
    struct: 'cpu_stack_record',
    layout: CpuStackRecordLayout,
    members: { tgid: 'key.tgid', kernelStack: 'key.kernel_stack', userStack: 'key.user_stack', samples: 'samples' },
  },
  {
    struct: 'user_stack_record',
    layout: UserStackRecordLayout,
    members: { stackId: 'stack_id', tgid: 'tgid', syscallNr: 'syscall_nr', depth: 'depth', ips: 'ips', leafReturn: 'leaf_return' },
  },
  {
    struct: 'offcpu_hist_record',
    layout: OffCpuHistRecordLayout,
    members: {
      tgid: 'key.tgid',
      state: 'key.state',
      bucket: 'key.bucket',
      count: 'value.count',
      sumNs: 'value.sum_ns',
      maxNs: 'value.max_ns',
    },
  },
  {
    struct: 'process_event_record',
    layout: ProcessEventRecordLayout,
    members: {
      kind: 'event.kind',
      tgid: 'event.tgid',
      parentTgid: 'event.parent_tgid',
      argsSize: 'event.args_size',
      timeNs: 'event.time_ns',
      comm: 'event.comm',
      filename: 'event.filename',
      args: 'event.args',
    },
  },
  {
    struct: 'tcp_count_record',
    layout: TcpCountRecordLayout,
    members: { tgid: 'key.tgid', kind: 'key.kind', portClass: 'key.port_class', count: 'count' },
  },
  {
    struct: 'tcp_connect_hist_record',
    layout: TcpConnectHistRecordLayout,
    members: {
      tgid: 'key.tgid',
      portClass: 'key.port_class',
      bucket: 'key.bucket',
      count: 'value.count',
      sumNs: 'value.sum_ns',
      maxNs: 'value.max_ns',
    },
  },
  {
    struct: 'tcp_connection_record',
    layout: TcpConnectionRecordLayout,
    members: {
      tgid: 'event.tgid',
      flags: 'event.flags',
      closeNs: 'event.close_ns',
      connectNs: 'event.connect_ns',
      retransmits: 'event.retransmits',
      family: 'event.family',
      localPort: 'event.local_port',
      peerPort: 'event.peer_port',
      lastState: 'event.last_state',
      localAddr: 'event.local_addr',
      peerAddr: 'event.peer_addr',
      comm: 'event.comm',
    },
  },
  {
    struct: 'go_hist_record',
    layout: GoHistRecordLayout,
    members: {
      tgid: 'key.tgid',
      kind: 'key.kind',
      reason: 'key.reason',
      bucket: 'key.bucket',
      count: 'value.count',
      sumNs: 'value.sum_ns',
      maxNs: 'value.max_ns',
    },
  },
  {
    struct: 'go_counts_record',
    layout: GoCountsRecordLayout,
    members: { tgid: 'tgid', created: 'value.created', exited: 'value.exited' },
  },
  {
    struct: 'go_park_stack_record',
    layout: GoParkStackRecordLayout,
    members: {
      tgid: 'key.tgid',
      reason: 'key.reason',
      userStack: 'key.user_stack',
      parkedNs: 'value.parked_ns',
      count: 'value.count',
    },
  },
  {
    struct: 'memory_sample_record',
    layout: MemorySampleRecordLayout,
    members: {
      tgid: 'key.tgid',
      slot: 'key.slot',
      faults: 'value.faults',
      mmapBytes: 'value.mmap_bytes',
      munmapBytes: 'value.munmap_bytes',
      brkBytes: 'value.brk_bytes',
      mmapCalls: 'value.mmap_calls',
      munmapCalls: 'value.munmap_calls',
      brkCalls: 'value.brk_calls',
    },
  },
  {
    struct: 'oom_victim_record',
    layout: OomVictimRecordLayout,
    members: {
      tgid: 'event.tgid',
      triggerTgid: 'event.trigger_tgid',
      timeNs: 'event.time_ns',
      totalVmKib: 'event.total_vm_kib',
      anonRssKib: 'event.anon_rss_kib',
      fileRssKib: 'event.file_rss_kib',
      shmemRssKib: 'event.shmem_rss_kib',
      pgtablesKib: 'event.pgtables_kib',
      uid: 'event.uid',
      oomScoreAdj: 'event.oom_score_adj',
      comm: 'event.comm',
    },
  },
];

function compilerMissing(): boolean {
  const probe = spawnSync(compiler, ['--version'], { stdio: 'ignore' });
  return probe.error !== undefined;
}

/** Compiles and runs the fixture: C names ("struct.member", constants) to numbers. */
function cLayout(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-layout-'));
  try {
    const exe = join(dir, 'record-layout');
    execFileSync(compiler, ['-Wall', '-Werror', '-I', dirname(recordsHeaderPath), '-o', exe, fixture]);
    return JSON.parse(execFileSync(exe, { encoding: 'utf8' })) as Record<string, number>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('TypeScript record layout matches schemas/loader/records.h', (t) => {
  if (compilerMissing()) {
    const reason = `no C compiler (${compiler}) to check the record layout against records.h`;
    console.log(`skipping: ${reason}`);
    t.skip(reason);
    return;
  }
  const c = cLayout();

  for (const { struct, layout, members } of layouts) {
    assert.equal(layout.size, c[struct], `sizeof(struct ${struct})`);
    for (const [field, offset] of Object.entries(layout)) {
      if (field === 'size') continue;
      const member = members[field];
      assert.ok(member, `${struct}: no C member named for TypeScript field ${field}`);
      assert.equal(offset, c[`${struct}.${member}`], `offsetof(struct ${struct}, ${member})`);
    }
  }

  for (const [name, code] of Object.entries(RecordType)) {
    const cName = `RECORD_${name.replace(/[A-Z]/g, (ch) => `_${ch}`).toUpperCase()}`;
    assert.equal(code, c[cName], cName);
  }
  DROP_REASONS.forEach((reason, index) => {
    assert.equal(index, c[`DROP_${reason.toUpperCase()}`], `enum drop_reason order of ${reason}`);
  });
  assert.equal(DROP_REASONS.length, c.DROP_REASON_COUNT, 'DROP_REASON_COUNT');

  WAIT_CLASS_CODES.forEach((name, code) => {
    assert.equal(code, c[`WAIT_${name.replace('-', '_').toUpperCase()}`], `enum wait_class_code of ${name}`);
  });
  FD_KINDS.forEach((kind, code) => assert.equal(code, c[`FD_KIND_${kind.toUpperCase()}`], `enum fd_kind of ${kind}`));
  assert.equal(FD_KINDS.length, c.FD_KIND_COUNT, 'FD_KIND_COUNT');
  OFFCPU_STATES.forEach((state, code) => {
    const cName = { 'run-queue': 'OFFCPU_RUN_QUEUE', sleep: 'OFFCPU_SLEEP', uninterruptible: 'OFFCPU_UNINTERRUPTIBLE' }[state];
    assert.equal(code, c[cName], cName);
  });
  for (const [name, bit] of Object.entries(SignalBit)) assert.equal(bit, c[`SIGNAL_${name.toUpperCase()}`], name);
  for (const [name, code] of Object.entries(ProcessEventKind)) assert.equal(code, c[`PROCESS_${name.toUpperCase()}`], name);

  TCP_COUNT_KINDS.forEach((kind, code) => assert.equal(code, c[`TCP_${kind.toUpperCase()}`], `enum tcp_count_kind of ${kind}`));
  for (const [name, flag] of Object.entries(TcpConnectionFlag)) {
    const cName = `TCP_CONN_${name.replace(/[A-Z]/g, (ch) => `_${ch}`).toUpperCase()}`;
    assert.equal(flag, c[cName], cName);
  }

  GO_HIST_KINDS.forEach((kind, code) => {
    assert.equal(code, c[{ 'stw-pause': 'GO_HIST_STW_PAUSE', park: 'GO_HIST_PARK' }[kind]], `enum go_hist_kind of ${kind}`);
  });
  const probeNames = ['GO_PROBE_STW_STOP', 'GO_PROBE_STW_START', 'GO_PROBE_NEWPROC', 'GO_PROBE_GOEXIT', 'GO_PROBE_PARK', 'GO_PROBE_EXECUTE'];
  GO_PROBE_FUNCTIONS.forEach((fn, code) => assert.equal(code, c[probeNames[code]!], `enum go_probe of ${fn}`));
  assert.equal(GO_PROBE_FUNCTIONS.length, c.GO_PROBE_COUNT, 'GO_PROBE_COUNT');

  const constants = {
    GO_MAX_BINARIES,
    MEMORY_SLOT_NS,
    TCP_PORT_CLASS_OTHER,
    RECORD_ABI_VERSION,
    TASK_COMM_LEN,
    SLOW_SYSCALL_ARGS,
    MAX_SYSCALL_NR,
    MAX_HIST_BUCKET,
    MAX_STACK_DEPTH,
    PROCESS_FILENAME_LEN,
    PROCESS_ARGS_LEN,
    CLASS_RULE_SHIFT,
    CLASS_KEY_PENDING_STACK,
    FD_RULE_BASE,
    PROCESS_EXIT_RULE,
    STACK_RULE_BASE,
    CLASSIFY_BY_FD,
    CLASSIFY_BY_STACK,
    CLASSIFY_BY_OPENED_FD,
  };
  for (const [name, value] of Object.entries(constants)) assert.equal(value, c[name], name);
});
