// Device simulators for the serial drivers: each opens its end of a socat pty pair by path,
// answers the driver's commands as the real device does (see the *-device.ts models) and reports
// received packets, with fault injection: fragmented writes, noise between frames, a wrong
// firmware (2.4 GHz MCU), ignored commands, modem-side end of reception, failed transmissions,
// and unplug/replug. Every frame the host makes the device transmit is recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../../log.js';
import { LineFramer } from '../../radio/serial/line-framer.js';
import { Semtech2g4Framer } from '../../radio/serial/semtech-2g4/framer.js';
import { BANDWIDTH_BY_CODE, CODE_RATE_INDEX, ORDER, TX_MODE, TX_STATUS } from '../../radio/serial/semtech-2g4/messages.js';
import type { SerialDriverName } from '../../radio/serial/driver-registry.js';
import { type AtDeviceModel, type AtTransmission, createAtDevice } from './at-devices.js';
import { type PtyPair, startPtyPair } from './pty-pair.js';
import { Semtech2g4Device } from './semtech-2g4-device.js';
import { SimulatorPort, seededRandom } from './simulator-port.js';

export interface SerialSimulatorFaults {
  /** Split every write into random 1..3-byte pieces. */
  fragmentWrites?: boolean;
  /** Noise between frames: binary bytes (2.4 GHz MCU) or a junk line (AT modems). */
  garbageBetweenFrames?: boolean;
  /** semtech-2g4: report this version instead of `V01.00.01`. */
  firmwareVersion?: string;
  /** semtech-2g4: shorthand for an old firmware (`V00.02.16`). */
  versionMismatch?: boolean;
  /** Leave the first N commands unanswered (the driver must time out and start over). */
  ignoreFirstCommands?: number;
  /** AT modems: after every N packets, end the next reception as the modem does itself (RUI3 RECEIVE TIMEOUT, RN2483 radio_err). */
  rxInterruptEvery?: number;
  /** Transmissions fail: the 2.4 GHz MCU ends them with "failed to send", AT modems refuse or report a radio error. */
  txFailure?: boolean;
}

/** A frame the simulated device transmitted, with the radio settings it used. */
export interface TransmittedFrame extends AtTransmission {
  /** semtech-2g4: how PREPARE_TX said to send it. */
  mode?: 'timestamped' | 'immediate' | 'gps';
  /** semtech-2g4: the MCU timer value it was due at (timestamped mode). */
  countUs?: number;
  /** semtech-2g4: the MCU timer when PREPARE_TX arrived. */
  acceptedAtUs?: number;
  /** Host ms when the device got the command that transmits it. */
  at: number;
}

export interface SerialSimulatorOptions {
  driver: SerialDriverName;
  /** Path the daemon opens; socat creates it as a symlink to the host-side pty. */
  link: string;
  /** Where the simulator's own end appears; default a fresh temporary directory. */
  deviceLink?: string;
  /** Payload of each received packet; default 12 bytes: `LORA-SIM` + u32 BE counter. */
  nextPayload?: () => Buffer;
  /** Milliseconds between received packets; 0 = as fast as the host takes them. Default 1000. */
  intervalMs?: number;
  faults?: SerialSimulatorFaults;
  /** semtech-2g4: value of the MCU µs timer at start (tests use one near 2^32 to see the wrap). */
  timestampStartUs?: number;
  seed?: number;
  socatPath?: string;
  logger?: Logger;
}

/** A packet as the simulator put it on the link, for tests to compare with what the host decoded. */
export interface EmittedPacket {
  payload: Buffer;
  rssi: number;
  snr: number;
  radio?: number;
  timestampUs?: number;
  frequencyErrorHz?: number;
}

export interface SerialSimulatorStats {
  packetsEmitted: number;
  commandsReceived: number;
  commandsIgnored: number;
  garbageBytes: number;
  garbageLines: number;
  disconnects: number;
}

export interface SerialSimulator {
  readonly hostPath: string;
  readonly devicePath: string;
  readonly stats: SerialSimulatorStats;
  readonly emitted: EmittedPacket[];
  /** Frames the host had the device transmit, in order. */
  readonly transmitted: TransmittedFrame[];
  /** Unplug for `ms` (port closed and socat killed, so the path vanishes), then plug back in. */
  disconnect(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** `LORA-SIM` followed by the packet number as u32 BE: 12 bytes. */
export function defaultPayload(counter: number): Buffer {
  const out = Buffer.alloc(12);
  out.write('LORA-SIM', 0, 'latin1');
  out.writeUInt32BE(counter >>> 0, 8);
  return out;
}

abstract class SimulatorBase implements SerialSimulator {
  readonly stats: SerialSimulatorStats = {
    packetsEmitted: 0,
    commandsReceived: 0,
    commandsIgnored: 0,
    garbageBytes: 0,
    garbageLines: 0,
    disconnects: 0,
  };
  readonly emitted: EmittedPacket[] = [];
  readonly hostPath: string;
  readonly devicePath: string;
  protected readonly random: () => number;
  protected readonly faults: SerialSimulatorFaults;
  protected readonly logger: Logger;
  protected readonly port: SimulatorPort;
  protected offline = true;
  private pty: PtyPair | undefined;
  private readonly ownDir: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;
  private closed = false;
  private packetCounter = 0;
  private ignoreLeft: number;

  constructor(protected readonly options: SerialSimulatorOptions) {
    this.hostPath = options.link;
    if (options.deviceLink) {
      this.devicePath = options.deviceLink;
    } else {
      this.ownDir = mkdtempSync(join(tmpdir(), 'lora-edge-sim-'));
      this.devicePath = join(this.ownDir, 'device');
    }
    this.faults = options.faults ?? {};
    this.ignoreLeft = this.faults.ignoreFirstCommands ?? 0;
    this.random = seededRandom(options.seed ?? 1);
    this.logger = options.logger ?? silentLogger();
    this.port = new SimulatorPort({
      path: this.devicePath,
      fragmentWrites: this.faults.fragmentWrites,
      random: this.random,
      onData: (chunk) => this.onBytes(chunk),
    });
  }

  async start(): Promise<void> {
    this.pty = await startPtyPair({ hostPath: this.hostPath, devicePath: this.devicePath, socatPath: this.options.socatPath });
    await this.port.open();
    this.goOnline();
  }

  async disconnect(ms: number): Promise<void> {
    if (this.offline || this.closed) return;
    this.stats.disconnects += 1;
    this.goOffline();
    await this.port.close();
    await this.pty?.kill();
    this.logger.info({ ms }, 'simulator: unplugged');
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.closed) return;
    this.powerCycle();
    await this.pty?.restart();
    await this.port.open();
    this.logger.info('simulator: plugged in again');
    this.goOnline();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.goOffline();
    await this.port.close();
    await this.pty?.kill();
    if (this.ownDir) rmSync(this.ownDir, { recursive: true, force: true });
  }

  /** Bytes from the host. */
  protected abstract onBytes(chunk: Buffer): void;
  /** Reports one received packet if the device is listening; false when it is not. */
  protected abstract emitOne(): Promise<boolean>;
  /** The device lost power: settings and buffers are gone. */
  protected abstract powerCycle(): void;
  abstract get transmitted(): TransmittedFrame[];

  protected get burst(): boolean {
    return (this.options.intervalMs ?? 1000) === 0;
  }

  /** Whether this command should go unanswered (fault injection). */
  protected takeCommand(): boolean {
    this.stats.commandsReceived += 1;
    if (this.ignoreLeft <= 0) return true;
    this.ignoreLeft -= 1;
    this.stats.commandsIgnored += 1;
    return false;
  }

  protected nextPacket(): { payload: Buffer; rssi: number; snr: number; frequencyErrorHz: number } {
    const n = this.packetCounter;
    this.packetCounter += 1;
    return {
      payload: this.options.nextPayload ? this.options.nextPayload() : defaultPayload(n),
      rssi: -30 - (n % 70),
      snr: (n % 25) - 10,
      frequencyErrorHz: ((n % 11) - 5) * 250,
    };
  }

  /** In burst mode, keeps reporting packets while the device listens (call after anything that may arm it). */
  protected kick(): void {
    if (!this.burst || this.pumping || this.offline) return;
    this.pumping = true;
    setImmediate(async () => {
      try {
        while (!this.offline && (await this.emitOne())) {
          // Flow control comes from awaiting each write.
        }
      } finally {
        this.pumping = false;
      }
    });
  }

  protected get online(): boolean {
    return !this.offline;
  }

  private goOnline(): void {
    this.offline = false;
    const interval = this.options.intervalMs ?? 1000;
    if (interval > 0) this.timer = setInterval(() => void this.emitOne(), interval);
    else this.kick();
  }

  private goOffline(): void {
    this.offline = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

class Semtech2g4Simulator extends SimulatorBase {
  private readonly txTimes: number[] = [];
  private framer = Semtech2g4Framer.forDevice();
  private readonly device: Semtech2g4Device;
  private nextRadio = 0;

  constructor(options: SerialSimulatorOptions) {
    super(options);
    const faults = options.faults ?? {};
    const startUs = options.timestampStartUs ?? 0;
    const t0 = performance.now();
    this.device = new Semtech2g4Device({
      version: faults.firmwareVersion ?? (faults.versionMismatch ? 'V00.02.16' : 'V01.00.01'),
      clockUs: () => (startUs + Math.round((performance.now() - t0) * 1000)) >>> 0,
      txFinalStatus: faults.txFailure ? TX_STATUS.ERROR_FAIL_TO_SEND : TX_STATUS.DONE,
    });
  }

  get transmitted(): TransmittedFrame[] {
    const codeRates = [...CODE_RATE_INDEX.keys()];
    return this.device.transmissions.map(({ request, acceptedAtUs }, i) => ({
      payload: request.payload,
      frequency: request.frequency,
      spreadingFactor: request.spreadingFactor,
      bandwidth: BANDWIDTH_BY_CODE.get(request.bandwidthCode) ?? 0,
      codeRate: codeRates[request.codeRateIndex] ?? `index ${request.codeRateIndex}`,
      power: request.power,
      preamble: request.preamble,
      invertIq: request.invertIq,
      mode: request.mode === TX_MODE.TIMESTAMPED ? 'timestamped' : request.mode === TX_MODE.IMMEDIATE ? 'immediate' : 'gps',
      countUs: request.mode === TX_MODE.TIMESTAMPED ? request.countUs : undefined,
      acceptedAtUs,
      at: this.txTimes[i] ?? 0,
    }));
  }

  protected onBytes(chunk: Buffer): void {
    for (const request of this.framer.push(chunk)) {
      if (!this.takeCommand()) continue;
      // In burst mode every poll finds the FIFO topped up.
      if (this.burst && request.order === ORDER.GET_RX_MSG) while (this.device.queued < 8 && this.queueOne());
      for (const response of this.device.handle(request)) {
        if (this.faults.garbageBetweenFrames) void this.port.write(this.garbage());
        void this.port.write(response);
      }
      noteTransmissions(this.txTimes, this.device.transmissions.length);
    }
  }

  protected async emitOne(): Promise<boolean> {
    return this.online && this.queueOne();
  }

  protected powerCycle(): void {
    this.device.powerCycle();
    this.framer = Semtech2g4Framer.forDevice();
  }

  private queueOne(): boolean {
    const radios = this.device.configuredRadios;
    if (radios.length === 0) return false;
    const radio = radios[this.nextRadio % radios.length];
    this.nextRadio += 1;
    const packet = this.nextPacket();
    const message = this.device.receive({ radio, ...packet });
    if (!message) return false;
    this.stats.packetsEmitted += 1;
    this.emitted.push({
      payload: message.payload,
      rssi: message.rssi,
      snr: message.snr,
      radio,
      timestampUs: message.timestampUs,
      frequencyErrorHz: message.frequencyErrorHz,
    });
    return true;
  }

  /**
   * 1..8 noise bytes from 0x20-0x3F. None of them is a valid order byte, and as a size MSB any of
   * them makes a header oversized; a header starting on the last noise byte takes the echoed
   * request id as size MSB, which the driver keeps at 2 or more (oversized too). So noise is
   * never mistaken for a frame, and the host's discarded count equals the noise sent.
   */
  private garbage(): Buffer {
    const length = 1 + Math.floor(this.random() * 8);
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = 0x20 + Math.floor(this.random() * 0x20);
    this.stats.garbageBytes += length;
    return bytes;
  }
}

class AtModemSimulator extends SimulatorBase {
  private readonly txTimes: number[] = [];
  private framer = new LineFramer();
  private readonly device: AtDeviceModel;
  private interruptDue = false;

  constructor(options: SerialSimulatorOptions) {
    super(options);
    if (options.driver === 'semtech-2g4') throw new Error('not an AT modem');
    this.device = createAtDevice(options.driver);
    this.device.refuseTransmit = options.faults?.txFailure ?? false;
  }

  get transmitted(): TransmittedFrame[] {
    return (this.device.transmitted ?? []).map((frame, i) => ({ ...frame, at: this.txTimes[i] ?? 0 }));
  }

  protected onBytes(chunk: Buffer): void {
    for (const line of this.framer.push(chunk)) {
      if (!this.takeCommand()) continue;
      const replies = this.device.handleCommand(line);
      noteTransmissions(this.txTimes, this.device.transmitted?.length ?? 0);
      this.logger.debug({ command: line, replies }, 'simulator: command');
      if (replies.length > 0) void this.port.write(Buffer.from(replies.map((reply) => `${reply}\r\n`).join(''), 'latin1'));
    }
    this.kick();
  }

  protected async emitOne(): Promise<boolean> {
    if (!this.online || !this.device.listening) return false;
    if (this.interruptDue && this.device.interrupt) {
      // Instead of the next packet, the modem ends reception on its own.
      this.interruptDue = false;
      const lines = this.device.interrupt();
      await this.port.write(Buffer.from(lines.map((line) => `${line}\r\n`).join(''), 'latin1'));
      return true;
    }
    const packet = this.nextPacket();
    let text = '';
    if (this.faults.garbageBetweenFrames) text += this.garbageLine();
    text += this.device.packetLines(packet).map((line) => `${line}\r\n`).join('');
    this.stats.packetsEmitted += 1;
    this.emitted.push({ payload: packet.payload, rssi: packet.rssi, snr: packet.snr });
    const every = this.faults.rxInterruptEvery ?? 0;
    if (every > 0 && this.stats.packetsEmitted % every === 0) this.interruptDue = true;
    await this.port.write(Buffer.from(text, 'latin1'));
    return true;
  }

  protected powerCycle(): void {
    this.device.powerCycle();
    this.framer = new LineFramer();
  }

  /** A junk line that starts with NUL, so it can never read as a reply of any dialect. */
  private garbageLine(): string {
    const length = 3 + Math.floor(this.random() * 10);
    let line = '\u0000';
    for (let i = 0; i < length; i++) line += String.fromCharCode(0x21 + Math.floor(this.random() * 0x5e));
    this.stats.garbageLines += 1;
    this.stats.garbageBytes += line.length;
    return `${line}\r\n`;
  }
}

/** Stamps the host time on transmissions the device model recorded since the last call. */
function noteTransmissions(times: number[], count: number): void {
  while (times.length < count) times.push(Date.now());
}

/** Starts a simulated device behind a new pty pair whose host end appears at `options.link`. */
export async function startSerialSimulator(options: SerialSimulatorOptions): Promise<SerialSimulator> {
  const simulator = options.driver === 'semtech-2g4' ? new Semtech2g4Simulator(options) : new AtModemSimulator(options);
  try {
    await simulator.start();
  } catch (error) {
    await simulator.close();
    throw error;
  }
  return simulator;
}
