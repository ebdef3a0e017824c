// systemd's notification protocol (sd_notify) without native code.
//
// systemd listens on a unix datagram socket named by NOTIFY_SOCKET and, with NotifyAccess=main,
// accepts a message only when the kernel says it came from the service's main PID. Node 20 cannot
// open a unix datagram socket (dgram is UDP only, net is stream only), and a helper process such
// as systemd-notify is a different PID: without CAP_SYS_ADMIN it cannot claim our PID (the kernel
// refuses the forged credentials and systemd-notify falls back to its own).
//
// What works: the /usr/bin/lora-edge wrapper (systemd/lora-edge.sh) has perl, which exec()s and so
// keeps the PID, open a datagram socket connected to NOTIFY_SOCKET, then exec node with that socket
// inherited and its number in NOTIFY_SOCKET_FD. write(2) on a connected datagram socket sends one
// datagram, so fs.writeSync on that descriptor is a complete sd_notify sent by the main process.
//
// Without that descriptor (node started some other way) the notifier falls back to spawning
// `systemd-notify`, which systemd accepts only with NotifyAccess=all. Without NOTIFY_SOCKET every
// call is a no-op.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, writeSync } from 'node:fs';

/** Environment variable carrying the inherited, connected notification socket's descriptor. */
export const NOTIFY_FD_ENV = 'NOTIFY_SOCKET_FD';

export type NotifyTransport = 'socket-fd' | 'systemd-notify' | 'off';

export interface Notifier {
  /** How messages are delivered; 'off' when not started by systemd with Type=notify. */
  readonly transport: NotifyTransport;
  /**
   * How often to call watchdog(): half of WatchdogSec (as systemd recommends), or undefined when
   * the watchdog is not enabled for this process or notifications are off.
   */
  readonly watchdogIntervalMs: number | undefined;
  /** Start-up finished (READY=1), optionally with a status line. */
  ready(status?: string): void;
  /** Keep-alive for WatchdogSec (WATCHDOG=1). */
  watchdog(): void;
  /** Shutdown has begun (STOPPING=1), optionally with a status line. */
  stopping(status?: string): void;
  /** Free-text status shown by `systemctl status`. */
  status(text: string): void;
  /** Any other assignments, e.g. { EXTEND_TIMEOUT_USEC: 30_000_000 }. */
  send(fields: Record<string, string | number>): void;
  /** Releases the socket; later calls are no-ops. */
  close(): void;
}

export interface NotifierOptions {
  /** The PID WATCHDOG_PID must name for the watchdog to apply to us (default process.pid). */
  pid?: number;
  /** Told once about the first delivery failure; the notifier itself never throws. */
  onError?: (err: Error) => void;
  /** Program used by the fallback transport (default `systemd-notify` from PATH). */
  systemdNotifyPath?: string;
}

/** One notification datagram: `KEY=value` lines. Values are kept to one line. */
export function formatNotifyMessage(fields: Record<string, string | number>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) throw new TypeError(`sd_notify: "${key}" is not a valid variable name`);
    lines.push(`${key}=${String(value).replace(/[\r\n]+/g, ' ')}`);
  }
  return lines.join('\n');
}

/**
 * The keep-alive interval from WATCHDOG_USEC (half of it), or undefined when the variable is
 * absent or malformed, or WATCHDOG_PID names another process (the watchdog is then not ours).
 */
export function watchdogIntervalFromEnv(env: NodeJS.ProcessEnv, pid: number = process.pid): number | undefined {
  const usecText = env.WATCHDOG_USEC;
  if (!usecText || !/^\d+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (usec <= 0) return undefined;
  const pidText = env.WATCHDOG_PID;
  if (pidText !== undefined && pidText !== '' && Number(pidText) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** The inherited socket's descriptor, or undefined when NOTIFY_SOCKET_FD is absent or not a socket. */
function inheritedSocketFd(env: NodeJS.ProcessEnv): number | undefined {
  const text = env[NOTIFY_FD_ENV];
  if (!text || !/^\d+$/.test(text)) return undefined;
  const fd = Number(text);
  if (fd < 3) return undefined; // never stdin/stdout/stderr
  try {
    return fstatSync(fd).isSocket() ? fd : undefined;
  } catch {
    return undefined;
  }
}

export function createNotifier(env: NodeJS.ProcessEnv = process.env, options: NotifierOptions = {}): Notifier {
  const socketPath = env.NOTIFY_SOCKET;
  let fd = socketPath ? inheritedSocketFd(env) : undefined;
  const transport: NotifyTransport = !socketPath ? 'off' : fd !== undefined ? 'socket-fd' : 'systemd-notify';
  let closed = transport === 'off';
  let reported = false;

  const fail = (err: Error) => {
    if (reported) return;
    reported = true;
    options.onError?.(err);
  };

  const deliver = (message: string) => {
    if (closed) return;
    if (fd !== undefined) {
      try {
        writeSync(fd, Buffer.from(message, 'utf8'));
      } catch (err) {
        // EAGAIN (systemd not reading) or ECONNREFUSED: a lost keep-alive is better than a blocked loop.
        fail(new Error(`sd_notify: cannot write to NOTIFY_SOCKET_FD ${fd}: ${(err as Error).message}`));
      }
      return;
    }
    const child = spawn(options.systemdNotifyPath ?? 'systemd-notify', [`--pid=${options.pid ?? process.pid}`, ...message.split('\n')], {
      stdio: 'ignore',
      env: { ...env, NOTIFY_SOCKET: socketPath },
    });
    child.on('error', (err) => {
      fail(new Error(`sd_notify: cannot run systemd-notify: ${err.message}`));
      closed = true; // not installed: stop trying
    });
    child.on('exit', (code) => {
      if (code) fail(new Error(`sd_notify: systemd-notify exited with code ${code}`));
    });
    child.unref();
  };

  const withStatus = (fields: Record<string, string>, status?: string) => (status === undefined ? fields : { ...fields, STATUS: status });

  return {
    transport,
    watchdogIntervalMs: transport === 'off' ? undefined : watchdogIntervalFromEnv(env, options.pid ?? process.pid),
    ready: (status) => deliver(formatNotifyMessage(withStatus({ READY: '1' }, status))),
    watchdog: () => deliver('WATCHDOG=1'),
    stopping: (status) => deliver(formatNotifyMessage(withStatus({ STOPPING: '1' }, status))),
    status: (text) => deliver(formatNotifyMessage({ STATUS: text })),
    send: (fields) => deliver(formatNotifyMessage(fields)),
    close: () => {
      if (fd !== undefined && !closed) {
        try {
          closeSync(fd);
        } catch {
          // already closed by someone else: nothing left to release
        }
      }
      fd = undefined;
      closed = true;
    },
  };
}
