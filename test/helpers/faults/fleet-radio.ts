// The radio side of the fleet simulation: simulated ABP devices, each heard by one to three
// gateways, and one Semtech packet-forwarder socket per gateway. Every frame goes over real UDP to
// each daemon that hears it, exactly as several gateways in one street would pass it on. Remembers
// which gateways acknowledged (PUSH_ACK) which frame, so the simulation knows what was handed over.
import { createSocket, type Socket } from 'node:dgram';
import { buildDataUplink } from '../../../src/lorawan/builders.js';
import type { Prng } from './prng.js';

export interface FleetDevice {
  devEui: string;
  devAddr: string;
  nwkSKey: string;
  appSKey: string;
  owner: string;
  /** Indexes of the gateways that hear it. */
  gateways: number[];
  fCnt: number;
}

export interface FleetFrame {
  device: FleetDevice;
  phyPayload: string;
  bytes: number;
  /** gateway index -> acknowledged by that daemon */
  acked: Map<number, boolean>;
}

export function makeFleet(rng: Prng, devices: number, gateways: number, owners: number): FleetDevice[] {
  const hex = (n: number) => rng.bytes(n).toString('hex');
  return Array.from({ length: devices }, (_, i) => {
    const count = Math.min(gateways, rng.int(1, 3));
    const heardBy = new Set<number>();
    while (heardBy.size < count) heardBy.add(rng.int(0, gateways - 1));
    return {
      devEui: `70b3d57ef0${(i + 1).toString(16).padStart(6, '0')}`,
      devAddr: (0x26100000 + i + 1).toString(16).padStart(8, '0'),
      nwkSKey: hex(16),
      appSKey: hex(16),
      owner: `owner-${String.fromCharCode(97 + (i % owners))}`,
      gateways: [...heardBy].sort((a, b) => a - b),
      fCnt: 0,
    };
  });
}

/** The registry YAML the daemons load, so every record carries the device's owner. */
export function fleetRegistryYaml(fleet: FleetDevice[], profile: string): string {
  const lines = ['devices:'];
  for (const d of fleet) {
    lines.push(`  - devEui: "${d.devEui}"`, `    name: sim-${d.devEui.slice(-6)}`, `    profile: ${profile}`, `    owner: ${d.owner}`);
    lines.push(`    activation: { devAddr: "${d.devAddr}", nwkSKey: "${d.nwkSKey}", appSKey: "${d.appSKey}" }`);
  }
  return `${lines.join('\n')}\n`;
}

export class FleetRadio {
  readonly frames: FleetFrame[] = [];
  private readonly sockets: Socket[] = [];
  private readonly pending: Array<Map<number, FleetFrame>> = [];
  private tokens: number[] = [];

  constructor(
    private readonly rng: Prng,
    private readonly udpPorts: number[],
  ) {}

  static gatewayEui(i: number): string {
    return `aa555a00000${(i + 1).toString(16).padStart(5, '0')}`;
  }

  async open(): Promise<void> {
    for (let g = 0; g < this.udpPorts.length; g++) {
      const socket = createSocket('udp4');
      const pending = new Map<number, FleetFrame>();
      socket.on('message', (msg) => {
        if (msg.length >= 4 && msg[3] === 0x01) {
          const token = msg.readUInt16BE(1);
          const f = pending.get(token);
          if (f) f.acked.set(g, true);
          pending.delete(token);
        }
      });
      socket.on('error', () => undefined);
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
      this.sockets.push(socket);
      this.pending.push(pending);
      this.tokens.push(0);
    }
  }

  /** One uplink of `d`, sent to every gateway that hears it. */
  send(d: FleetDevice): FleetFrame {
    d.fCnt += 1;
    const payload = this.rng.bytes(this.rng.int(2, 24));
    const phy = buildDataUplink({ devAddr: d.devAddr, nwkSKey: d.nwkSKey, appSKey: d.appSKey, fCnt32: d.fCnt, fPort: 10, payload });
    const frame: FleetFrame = { device: d, phyPayload: phy.toString('base64'), bytes: phy.length, acked: new Map() };
    this.frames.push(frame);
    for (const g of d.gateways) {
      frame.acked.set(g, false);
      const token = (this.tokens[g] = (this.tokens[g] + 1) & 0xffff);
      this.pending[g].set(token, frame);
      const rxpk = {
        tmst: (Date.now() * 1000) >>> 0, chan: 0, rfch: 0, freq: 868.1, stat: 1, modu: 'LORA', datr: 'SF7BW125', codr: '4/5',
        rssi: -60 - this.rng.int(0, 60), lsnr: 7.5 - this.rng.int(0, 15), size: phy.length, data: frame.phyPayload,
      };
      const head = Buffer.from([2, token >> 8, token & 0xff, 0x00]);
      const datagram = Buffer.concat([head, Buffer.from(FleetRadio.gatewayEui(g), 'hex'), Buffer.from(JSON.stringify({ rxpk: [rxpk] }))]);
      this.sockets[g].send(datagram, this.udpPorts[g], '127.0.0.1');
    }
    return frame;
  }

  /** Frames at least one daemon acknowledged: handed over to the system, so they must reach the hub. */
  handedOver(): FleetFrame[] {
    return this.frames.filter((f) => [...f.acked.values()].some(Boolean));
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
