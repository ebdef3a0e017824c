// "host:port" strings as written in config: "0.0.0.0:1700", "[::1]:1700", "localhost:1700", ":1700".

import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
  /** Which dgram socket type can reach/bind this host. Host names resolve as IPv4. */
  family: 'udp4' | 'udp6';
}

/** Throws a TypeError naming the input when it is not a usable host:port. */
export function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new TypeError(`"${text}" is not host:port (write IPv6 hosts in brackets, e.g. [::1]:1700)`);
  const port = Number(m[3]);
  if (port > 65535) throw new TypeError(`"${text}": port ${port} is out of range 0..65535`);
  if (m[1] !== undefined) {
    if (isIP(m[1]) !== 6) throw new TypeError(`"${text}": "${m[1]}" is not an IPv6 address`);
    return { host: m[1], port, family: 'udp6' };
  }
  const host = m[2] === '' ? '0.0.0.0' : m[2];
  return { host, port, family: 'udp4' };
}

export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
