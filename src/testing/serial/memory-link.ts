// Runs a driver session against a device model in memory, with no port at all: the fastest way
// to test driver logic and to measure it. Replies are delivered on a later turn of the event loop,
// as a real link would, and optionally cut into pieces.
import type { RadioFrame } from '../../radio/radio-frame.js';
import { silentLogger } from '../../log.js';
import { LineFramer } from '../../radio/serial/line-framer.js';
import { Semtech2g4Framer } from '../../radio/serial/semtech-2g4/framer.js';
import { type DriverSession, type DriverSessionFactory, type SerialCounters, type SessionState, emptyCounters } from '../../radio/serial/session.js';
import { PortClosedError } from '../../radio/serial/errors.js';
import type { AtDeviceModel } from './at-devices.js';
import type { Semtech2g4Device } from './semtech-2g4-device.js';

export interface MemoryLink {
  readonly session: DriverSession;
  readonly frames: RadioFrame[];
  /** Every state the session reported, in order. */
  readonly states: SessionState[];
  readonly counters: SerialCounters;
  /** Everything the host wrote, in order. */
  readonly written: Buffer[];
  /** Sends bytes from the device to the host (on the next turn of the event loop). */
  toHost(bytes: Buffer): void;
  /** Ends the session and stops delivering. */
  close(): void;
}

export interface MemoryLinkOptions {
  /** Cut every device-to-host delivery into pieces of at most this many bytes. */
  chunkSize?: number;
  /** Host clock for receivedAt. */
  now?: () => number;
  sourceId?: string;
}

/** Wires a session to `onHostWrite`, which plays the device. */
export function memoryLink(
  factory: DriverSessionFactory,
  onHostWrite: (data: Buffer, link: MemoryLink) => void,
  options: MemoryLinkOptions = {},
): MemoryLink {
  let open = true;
  const frames: RadioFrame[] = [];
  const states: SessionState[] = [];
  const counters = emptyCounters();
  const written: Buffer[] = [];
  let session: DriverSession | undefined;
  const link: MemoryLink = {
    get session(): DriverSession {
      if (!session) throw new Error('session not created yet');
      return session;
    },
    frames,
    states,
    counters,
    written,
    toHost(bytes: Buffer) {
      const size = options.chunkSize ?? bytes.length;
      setImmediate(() => {
        for (let offset = 0; open && offset < bytes.length; offset += Math.max(1, size)) {
          session?.push(bytes.subarray(offset, offset + Math.max(1, size)));
        }
      });
    },
    close() {
      open = false;
      session?.close();
    },
  };
  session = factory({
    sourceId: options.sourceId ?? 'memory',
    logger: silentLogger(),
    counters,
    write: async (data) => {
      if (!open) throw new PortClosedError();
      written.push(Buffer.from(data));
      onHostWrite(data, link);
    },
    emit: (frame) => frames.push(frame),
    setState: (state) => states.push(state),
    now: options.now ?? (() => Date.now()),
  });
  return link;
}

/** A device model playing the far end: it hears what the host wrote and answers through `toHost`. */
export type DeviceHearing = (data: Buffer, toHost: (bytes: Buffer) => void) => void;

/** Reply lines as an AT modem prints them. */
export function atReplyBytes(replies: readonly string[]): Buffer {
  return Buffer.from(replies.map((reply) => `${reply}\r\n`).join(''), 'latin1');
}

/** An AT modem model as the device: command lines in, reply lines out; `ignore` can drop commands (fault injection). */
export function atModelHearing(model: AtDeviceModel, ignore?: (command: string) => boolean): DeviceHearing {
  const framer = new LineFramer();
  return (data, toHost) => {
    for (const command of framer.push(data)) {
      if (ignore?.(command)) continue;
      const replies = model.handleCommand(command);
      if (replies.length > 0) toHost(atReplyBytes(replies));
    }
  };
}

/** The 2.4 GHz MCU model as the device: request frames in, ack and event frames out. */
export function semtech2g4Hearing(device: Semtech2g4Device): DeviceHearing {
  const framer = Semtech2g4Framer.forDevice();
  return (data, toHost) => {
    for (const request of framer.push(data)) {
      const replies = device.handle(request);
      if (replies.length > 0) toHost(Buffer.concat(replies));
    }
  };
}

/** An AT modem model behind a memory link; `ignore` can drop commands (fault injection). */
export function atModelLink(
  factory: DriverSessionFactory,
  model: AtDeviceModel,
  options: MemoryLinkOptions & { ignore?: (command: string) => boolean } = {},
): MemoryLink {
  const hear = atModelHearing(model, options.ignore);
  return memoryLink(factory, (data, link) => hear(data, (bytes) => link.toHost(bytes)), options);
}

/** The 2.4 GHz MCU model behind a memory link. */
export function semtech2g4ModelLink(factory: DriverSessionFactory, device: Semtech2g4Device, options: MemoryLinkOptions = {}): MemoryLink {
  const hear = semtech2g4Hearing(device);
  return memoryLink(factory, (data, link) => hear(data, (bytes) => link.toHost(bytes)), options);
}
