// CPU time and memory of a process and of its threads, from /proc.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

function parseStat(text) {
  // comm may hold spaces and parentheses: the fields after it start at the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  return { comm, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, kernelSeconds: Number(fields[12]) / TICKS_PER_SECOND };
}

/** user + system CPU seconds of the whole process (every thread, live and exited). */
export function processCpuSeconds(pid) {
  return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuSeconds;
}

/** The system (kernel) part of processCpuSeconds: syscalls, the network stack's work for them, page faults. */
export function processKernelCpuSeconds(pid) {
  return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).kernelSeconds;
}

/** CPU seconds per thread name (threads of one name summed), e.g. node's main thread, libuv's pool, chDB's pools. */
export function threadCpuSeconds(pid) {
  const byName = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat;
    try {
      stat = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
    } catch {
      continue; // exited meanwhile
    }
    const name = tid === String(pid) ? 'main thread' : stat.comm;
    byName.set(name, (byName.get(name) ?? 0) + stat.cpuSeconds);
  }
  return byName;
}

/** The thread names whose CPU grew between two threadCpuSeconds snapshots, most first. */
export function threadCpuDelta(before, after) {
  return [...after]
    .map(([name, seconds]) => [name, seconds - (before.get(name) ?? 0)])
    .filter(([, seconds]) => seconds > 0)
    .sort((a, b) => b[1] - a[1]);
}

/** Peak resident set size (VmHWM) in bytes. */
export function peakRssBytes(pid) {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Resident set size now (VmRSS) in bytes. */
export function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Pids of the processes one of whose command-line arguments contains `text` (a data dir, a script path). */
export function pidsWithArgument(text) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    if (argv.some((argument) => argument.includes(text))) pids.push(Number(entry));
  }
  return pids;
}

/** The pid of the process listening on a TCP port of this machine (from /proc/net/tcp{,6} and the processes' fds), or undefined. */
export function pidListeningOn(port) {
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; st 0A is LISTEN; field 9 is the socket's inode.
      if (fields.length > 9 && fields[3] === '0A' && Number.parseInt(fields[1].split(':')[1], 16) === port) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds;
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // exited meanwhile
    }
    for (const fd of fds) {
      let target;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return Number(entry);
    }
  }
  return undefined;
}
