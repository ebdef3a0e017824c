// Simulated LoRaWAN end devices (ABP): each produces real, encrypted data uplinks with a growing
// 32-bit FCnt. Used by the demo, the `simulate` tools, tests and benchmarks; never by the daemon.
import { buildDataUplink } from '../lorawan/builders.js';

export interface SimDeviceSpec {
  name: string;
  devEui: string;
  devAddr: string;
  nwkSKey: string;
  appSKey: string;
  fPort: number;
  /** Clear-text application payload for the n-th uplink (n from 0). */
  payload: (n: number) => Buffer;
  confirmed?: boolean;
}

export class SimulatedDevice {
  fCnt: number;
  private sent = 0;

  constructor(
    readonly spec: SimDeviceSpec,
    firstFCnt = 0,
  ) {
    this.fCnt = firstFCnt;
  }

  /** The next uplink PHYPayload as sent on air. */
  nextUplink(): Buffer {
    const frame = buildDataUplink({
      mType: this.spec.confirmed ? 'ConfirmedDataUp' : 'UnconfirmedDataUp',
      devAddr: this.spec.devAddr,
      fCnt32: this.fCnt,
      fPort: this.spec.fPort,
      payload: this.spec.payload(this.sent),
      nwkSKey: this.spec.nwkSKey,
      appSKey: this.spec.appSKey,
    });
    this.fCnt += 1;
    this.sent += 1;
    return frame;
  }
}

/** A plain counter payload: 4-byte big-endian n followed by a fixed tag. */
export function counterPayload(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(n >>> 0, 0);
  b.write('demo', 4, 'latin1');
  return b;
}

/** Deterministic keys for generated devices (simulation only: never use such keys in the field). */
function simKey(tag: number, i: number): string {
  return Buffer.from(Array.from({ length: 16 }, (_, k) => (tag * 31 + i * 7 + k * 13) & 0xff)).toString('hex');
}

/** `count` generic devices with distinct DevAddrs, for load tests and benchmarks. */
export function generatedDevices(count: number): SimDeviceSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `sim-${i + 1}`,
    devEui: (0x70b3d57ed0000000n + BigInt(i + 1)).toString(16).padStart(16, '0'),
    devAddr: (0x26000000 + i + 1).toString(16).padStart(8, '0'),
    nwkSKey: simKey(1, i),
    appSKey: simKey(2, i),
    fPort: 1,
    payload: counterPayload,
  }));
}
