// The pieces of the daemon edge mode works with, wired the way the App wires them, on real
// sockets: PacketForwarderSim -> UdpSource -> UplinkPipeline (DeviceDirectory resolves, edge mode
// answers after the uplink) -> TransmitGate -> UdpSource -> PULL_RESP at the simulator.
// Edge mode and the directory can be closed and reopened on the same state (a restart).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger, type Logger } from '../../src/log.js';
import { UdpSource } from '../../src/radio/udp/udp-source.js';
import { PacketForwarderSim, makeRxpk, type ReceivedPullResp, type TxAckDecider } from '../../src/testing/packet-forwarder.js';
import { UplinkPipeline } from '../../src/pipeline/uplink-pipeline.js';
import type { OutboxRecord } from '../../src/outbox/record.js';
import { DeviceDirectory } from '../../src/devices/device-directory.js';
import { TransmitGate } from '../../src/downlink/transmit-gate.js';
import { EdgeMode, type EdgeSettings, type DeviceAckEvent } from '../../src/edge/index.js';
import { EdgeUplinkExit } from '../../src/edge/uplink-exit.js';

export const FORWARDER_EUI = 'aa555a0000000101';

export interface RigDevice {
  devEui: string;
  name: string;
  profile: string;
  joinEui: string;
  appKey: string;
  edge?: boolean;
  class?: 'A' | 'C';
}

export interface UplinkRadio {
  tmst?: number;
  freqHz?: number;
  sf?: number;
  snr?: number;
}

export const DEFAULT_SETTINGS: EdgeSettings = {
  enabled: true,
  netId: '000013',
  devAddrFrom: '26000010',
  devAddrTo: '260000ff',
  rx1DrOffset: 0,
  rxDelay: 1,
  queueSize: 4,
  rx2Frequency: 869_525_000,
  rx2DataRate: 0,
  maxTxPower: 27,
};

export function registryText(devices: readonly RigDevice[]): string {
  const lines = ['devices:'];
  for (const d of devices) {
    lines.push(`  - devEui: "${d.devEui}"`, `    name: ${d.name}`, `    profile: ${d.profile}`, '    owner: city');
    if (d.edge !== undefined) lines.push(`    edge: ${d.edge}`);
    if (d.class !== undefined) lines.push(`    class: ${d.class}`);
    lines.push('    activation:', `      joinEui: "${d.joinEui}"`, `      appKey: "${d.appKey}"`);
  }
  return `${lines.join('\n')}\n`;
}

export class EdgeRig {
  readonly records: Array<Omit<OutboxRecord, 'seq'>> = [];
  readonly events: DeviceAckEvent[] = [];
  edge!: EdgeMode;
  directory!: DeviceDirectory;
  scheduler!: TransmitGate;
  private pipeline!: UplinkPipeline;
  private nextTmst = 1_000_000;
  /** Extra listener for device-ack events (e.g. publish them on MQTT). */
  onEvent: ((e: DeviceAckEvent) => void) | undefined;

  private constructor(
    readonly dir: string,
    readonly settings: EdgeSettings,
    readonly source: UdpSource,
    readonly sim: PacketForwarderSim,
    private readonly logger: Logger,
  ) {}

  static async start(devices: readonly RigDevice[], opts: { settings?: Partial<EdgeSettings>; txAck?: TxAckDecider; logger?: Logger } = {}): Promise<EdgeRig> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-edge-'));
    fs.writeFileSync(path.join(dir, 'registry.yaml'), registryText(devices), { mode: 0o600 });
    const logger = opts.logger ?? silentLogger();
    let rig: EdgeRig | undefined;
    const source = new UdpSource({ id: 'udp', bind: '127.0.0.1:0', logger, onFrame: (f) => rig?.pipeline.handle(f) });
    await source.start();
    const sim = new PacketForwarderSim({ target: `127.0.0.1:${source.address().port}`, gatewayEui: FORWARDER_EUI, ackTimeoutMs: 1000, txAck: opts.txAck });
    rig = new EdgeRig(dir, { ...DEFAULT_SETTINGS, ...opts.settings }, source, sim, logger);
    rig.scheduler = new TransmitGate({ sources: [source], dutyCycle: true, maxTxPower: rig.settings.maxTxPower, logger });
    await rig.open();
    if (!(await sim.pullData()).acked) throw new Error('no PULL_ACK from the UDP source');
    return rig;
  }

  /** Opens the directory and edge mode on the rig's state (again, after closeState()). */
  async open(): Promise<void> {
    this.directory = await DeviceDirectory.open({
      registryPath: path.join(this.dir, 'registry.yaml'),
      stateDir: path.join(this.dir, 'device-state'),
      codecTimeLimitMs: 50,
      logger: this.logger,
      watch: false,
    });
    this.edge = await EdgeMode.open({
      config: this.settings,
      directory: this.directory,
      scheduler: this.scheduler,
      sources: [this.source],
      stateDir: path.join(this.dir, 'edge'),
      logger: this.logger,
      publishDeviceAck: (e) => {
        this.events.push(e);
        this.onEvent?.(e);
      },
    });
    this.pipeline = new UplinkPipeline({
      forwardCrcBad: false,
      forwardCrcNone: false,
      // Tests replay identical frames on purpose.
      dedupWindowMs: 1,
      logger: this.logger,
      store: { append: (record) => this.records.push(record) },
      liveMaxAgeMs: 30_000,
      devices: this.directory,
      exits: [new EdgeUplinkExit(this.edge)],
    });
  }

  /** Closes edge mode and the directory (state saved), as a daemon stop does. */
  async closeState(): Promise<void> {
    await this.edge.close();
    await this.directory.close();
  }

  /** Sends one uplink through the forwarder; resolves once the pipeline stored it. Returns its tmst. */
  async uplink(phyPayload: Buffer, radio: UplinkRadio = {}): Promise<number> {
    const tmst = radio.tmst ?? this.nextTmst;
    this.nextTmst = (tmst + 10_000_000) >>> 0;
    const before = this.records.length;
    const ack = await this.sim.pushRxpk([makeRxpk({ payload: phyPayload, tmst, freqHz: radio.freqHz, sf: radio.sf, snr: radio.snr })]);
    if (!ack.acked) throw new Error('no PUSH_ACK');
    await waitFor(() => this.records.length > before, 2000, 'the uplink to be stored');
    return tmst;
  }

  /** The next PULL_RESP the forwarder received, or an error after `timeoutMs`. */
  async downlink(timeoutMs = 2000): Promise<ReceivedPullResp> {
    const r = await this.sim.nextPullResp(timeoutMs);
    if (!r) throw new Error(`no PULL_RESP within ${timeoutMs} ms`);
    return r;
  }

  /** True when no PULL_RESP arrives within `ms`. */
  async noDownlink(ms = 400): Promise<boolean> {
    return (await this.sim.nextPullResp(ms)) === undefined;
  }

  async waitForEvent(check: (e: DeviceAckEvent) => boolean, what: string, timeoutMs = 2000): Promise<DeviceAckEvent> {
    await waitFor(() => this.events.some(check), timeoutMs, what);
    return this.events.find(check) as DeviceAckEvent;
  }

  async close(): Promise<void> {
    await this.closeState().catch(() => undefined);
    await this.sim.close();
    await this.source.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}
