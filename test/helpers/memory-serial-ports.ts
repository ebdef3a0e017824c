// In-memory serial ports for the transport (its SerialPortAccess): device paths that appear and
// vanish, ports that open and carry bytes both ways, errors and unplugging, all without a tty or
// socat, so driver tests run in milliseconds. Devices are played by the testing models.
import { EventEmitter } from 'node:events';
import type { PathFacts } from '../../src/radio/serial/open-problems.js';
import type { PortCloseError, SerialPortAccess, SerialPortLike } from '../../src/radio/serial/serial-port.js';
import type { AtDeviceModel, AtPacket } from '../../src/testing/serial/at-devices.js';
import type { Semtech2g4Device } from '../../src/testing/serial/semtech-2g4-device.js';
import { atModelHearing, atReplyBytes, semtech2g4Hearing } from '../../src/testing/serial/memory-link.js';

/** The device behind a path: it hears what the host writes and answers through `toHost`. */
export interface MemoryDevice {
  hear(data: Buffer, toHost: (bytes: Buffer) => void): void;
}

class MemorySerialPort extends EventEmitter implements SerialPortLike {
  isOpen = false;

  constructor(
    readonly path: string,
    readonly baudRate: number,
    private readonly ports: MemorySerialPorts,
  ) {
    super();
  }

  open(callback: (error: Error | null) => void): void {
    // Callbacks come on a later turn, as serialport's do.
    setImmediate(() => {
      const refusal = this.ports.openRefusal(this.path);
      if (refusal) return callback(refusal);
      this.isOpen = true;
      this.ports.attach(this);
      callback(null);
    });
  }

  close(callback?: (error?: Error | null) => void): void {
    if (!this.isOpen) {
      setImmediate(() => callback?.(new Error('Port is not open')));
      return;
    }
    this.isOpen = false;
    this.ports.detach(this);
    setImmediate(() => {
      callback?.(null);
      this.emit('close');
    });
  }

  write(data: Buffer, callback: (error: Error | null | undefined) => void): boolean {
    if (!this.isOpen) {
      setImmediate(() => callback(new Error('Port is not open')));
      return false;
    }
    const copy = Buffer.from(data);
    setImmediate(() => {
      callback(null);
      this.ports.deliverToDevice(this, copy);
    });
    return true;
  }

  /** The device went away under an open port: serialport reports a close with `disconnected`. */
  disconnect(): void {
    this.isOpen = false;
    const error: PortCloseError = Object.assign(new Error('Disconnected'), { disconnected: true });
    setImmediate(() => this.emit('close', error));
  }
}

interface Slot {
  device: MemoryDevice;
  /** Like st_rdev: a new number on every plug, so a re-plugged device is a different node. */
  node: number;
  port?: MemorySerialPort;
  refuseOpen?: Error;
}

export class MemorySerialPorts implements SerialPortAccess {
  /** Everything the host wrote, per path, in order. */
  readonly written = new Map<string, Buffer[]>();
  opens = 0;
  private readonly slots = new Map<string, Slot>();
  private nextNode = 1;

  /** A device appears at `path`. */
  plug(path: string, device: MemoryDevice): void {
    this.slots.set(path, { device, node: this.nextNode++ });
  }

  /** The device and its path vanish; an open port on it is closed as disconnected. */
  unplug(path: string): void {
    const slot = this.slots.get(path);
    this.slots.delete(path);
    slot?.port?.disconnect();
  }

  /** The open port on `path` reports an I/O error (the transport then closes it to reopen). */
  fail(path: string, message: string): void {
    this.slots.get(path)?.port?.emit('error', new Error(message));
  }

  /** The next open of `path` fails with this error (say, the port is locked by another program). */
  refuseNextOpen(path: string, message: string): void {
    const slot = this.slots.get(path);
    if (slot) slot.refuseOpen = new Error(message);
  }

  /** Bytes from the device at `path` to the host (dropped while no port is open, as on a wire). */
  toHost(path: string, bytes: Buffer): void {
    const port = this.slots.get(path)?.port;
    if (port?.isOpen) port.emit('data', Buffer.from(bytes));
  }

  isOpen(path: string): boolean {
    return this.slots.get(path)?.port?.isOpen ?? false;
  }

  // ---- SerialPortAccess ----

  async inspect(path: string): Promise<PathFacts> {
    return this.slots.has(path) ? { isCharacterDevice: true, isDirectory: false } : { statErrorCode: 'ENOENT' };
  }

  async deviceNode(path: string): Promise<number | null> {
    return this.slots.get(path)?.node ?? null;
  }

  create(options: { path: string; baudRate: number }): SerialPortLike {
    return new MemorySerialPort(options.path, options.baudRate, this);
  }

  // ---- used by the ports ----

  openRefusal(path: string): Error | undefined {
    const slot = this.slots.get(path);
    if (!slot) return new Error(`Error: No such file or directory, cannot open ${path}`);
    const refusal = slot.refuseOpen;
    slot.refuseOpen = undefined;
    return refusal;
  }

  attach(port: MemorySerialPort): void {
    const slot = this.slots.get(port.path);
    if (slot) slot.port = port;
    this.opens += 1;
  }

  detach(port: MemorySerialPort): void {
    const slot = this.slots.get(port.path);
    if (slot?.port === port) slot.port = undefined;
  }

  deliverToDevice(port: MemorySerialPort, data: Buffer): void {
    const list = this.written.get(port.path) ?? [];
    list.push(data);
    this.written.set(port.path, list);
    const slot = this.slots.get(port.path);
    if (slot?.port === port) slot.device.hear(data, (bytes) => this.toHost(port.path, bytes));
  }
}

/** An AT modem model as the device: command lines in, reply lines out. */
export function atModemOnPort(model: AtDeviceModel): MemoryDevice & { packet(ports: MemorySerialPorts, path: string, packet: AtPacket): void } {
  return {
    hear: atModelHearing(model),
    packet(ports, path, packet) {
      ports.toHost(path, atReplyBytes(model.packetLines(packet)));
    },
  };
}

/** The 2.4 GHz MCU model as the device: request frames in, ack and event frames out. */
export function semtech2g4OnPort(device: Semtech2g4Device): MemoryDevice {
  return { hear: semtech2g4Hearing(device) };
}
