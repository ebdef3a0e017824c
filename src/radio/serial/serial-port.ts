// The part of a serial port the transport uses, and how it reaches one: the system's (the
// file system for the path checks, serialport for the tty) by default, an in-memory one in tests.
import { constants as fsConstants, promises as fs } from 'node:fs';
import { SerialPort } from 'serialport';
import type { PathFacts } from './open-problems.js';

/** How the port reports its end: serialport sets `disconnected` when the device went away. */
export type PortCloseError = Error & { disconnected?: boolean };

/** The subset of serialport's SerialPort the transport relies on. */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(callback: (error: Error | null) => void): void;
  close(callback?: (error?: Error | null) => void): void;
  write(data: Buffer, callback: (error: Error | null | undefined) => void): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (error?: PortCloseError) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(event: 'data'): unknown;
}

/** Everything the transport needs from the outside world to find, open and watch a port. */
export interface SerialPortAccess {
  /** What the path is before an open is tried (missing, not a tty, no permission). */
  inspect(path: string): Promise<PathFacts>;
  /** The device node the path leads to now, or null when the path is gone. */
  deviceNode(path: string): Promise<number | null>;
  /** A port not opened yet. */
  create(options: { path: string; baudRate: number }): SerialPortLike;
}

async function inspectPath(path: string): Promise<PathFacts> {
  try {
    const stat = await fs.stat(path);
    const facts: PathFacts = { isCharacterDevice: stat.isCharacterDevice(), isDirectory: stat.isDirectory() };
    try {
      await fs.access(path, fsConstants.R_OK | fsConstants.W_OK);
    } catch (error) {
      facts.accessErrorCode = (error as NodeJS.ErrnoException).code;
    }
    return facts;
  } catch (error) {
    return { statErrorCode: (error as NodeJS.ErrnoException).code ?? 'UNKNOWN' };
  }
}

/** Real ttys: the path is checked with fs, the port is serialport's (native binding). */
export const systemSerialPorts: SerialPortAccess = {
  inspect: inspectPath,
  deviceNode: (path) =>
    fs.stat(path).then(
      (stat) => stat.rdev,
      () => null,
    ),
  create: ({ path, baudRate }) => new SerialPort({ path, baudRate, autoOpen: false }),
};
