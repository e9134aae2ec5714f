import { readFileSync } from 'node:fs';

/** A socket found by inode in a process's network namespace. */
export interface SocketEndpoints {
  transport: 'tcp' | 'udp' | 'unix';
  localAddress?: string;
  localPort?: number;
  peerAddress?: string;
  peerPort?: number;
}

/** /proc/net/tcp's little-endian hex IPv4 "0100007F:1F90" -> ["127.0.0.1", 8080]. */
function ipv4Endpoint(hex: string): [string, number] {
  const [address = '', port = '0'] = hex.split(':');
  const bytes = Buffer.from(address, 'hex').reverse();
  return [[...bytes].join('.'), Number.parseInt(port, 16)];
}

/** /proc/net/tcp6's address: four little-endian 32-bit words. */
function ipv6Endpoint(hex: string): [string, number] {
  const [address = '', port = '0'] = hex.split(':');
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const word = Buffer.from(address.slice(i, i + 8), 'hex').reverse().toString('hex');
    words.push(word.slice(0, 4), word.slice(4, 8));
  }
  const text = words.map((group) => group.replace(/^0{1,3}/, '')).join(':');
  const v4Mapped = /^0:0:0:0:0:ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (v4Mapped) {
    const value = (Number.parseInt(v4Mapped[1]!, 16) << 16) | Number.parseInt(v4Mapped[2]!, 16);
    return [[value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.'), Number.parseInt(port, 16)];
  }
  return [text.replace(/(^|:)0(:0)+(:|$)/, '::'), Number.parseInt(port, 16)];
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The sockets of one process's network namespace by inode, read once from
 * /proc/PID/net/{tcp,tcp6,udp,udp6,unix}.
 */
export function readSocketTable(tgid: number, procRoot = '/proc'): Map<number, SocketEndpoints> {
  const table = new Map<number, SocketEndpoints>();
  const inet: [string, 'tcp' | 'udp', (hex: string) => [string, number]][] = [
    ['tcp', 'tcp', ipv4Endpoint],
    ['tcp6', 'tcp', ipv6Endpoint],
    ['udp', 'udp', ipv4Endpoint],
    ['udp6', 'udp', ipv6Endpoint],
  ];
  for (const [file, transport, endpoint] of inet) {
    for (const line of readOrEmpty(`${procRoot}/${tgid}/net/${file}`).split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const inode = Number(fields[9]);
      if (fields.length < 10 || !inode) continue;
      const [localAddress, localPort] = endpoint(fields[1]!);
      const [peerAddress, peerPort] = endpoint(fields[2]!);
      table.set(inode, {
        transport,
        localAddress,
        localPort,
        ...(peerPort !== 0 ? { peerAddress, peerPort } : {}),
      });
    }
  }
  for (const line of readOrEmpty(`${procRoot}/${tgid}/net/unix`).split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const inode = Number(fields[6]);
    if (fields.length < 7 || !inode) continue;
    table.set(inode, { transport: 'unix', ...(fields[7] ? { localAddress: fields[7] } : {}) });
  }
  return table;
}
