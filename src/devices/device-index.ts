// The lookup tables the decode path reads: ABP devices by DevAddr (several devices may share
// one), OTAA devices by DevEUI. Built complete and then swapped in as one reference, so a frame
// never sees half a registry.
import type { RecordDevice } from './outcome.js';
import type { DeviceCodec } from './device-codecs.js';
import { codecKey } from './device-codecs.js';
import type { Activation, RegistryEntry } from './registry.js';

export interface IndexedDevice<A extends Activation = Activation> {
  readonly devEui: string;
  /** Shared, frozen: copied into every record of this device. */
  readonly record: RecordDevice;
  readonly activation: A;
  readonly codec: DeviceCodec;
  readonly variables: Readonly<Record<string, string>>;
  /** Per-device edge mode from the registry; undefined follows the global setting. */
  readonly edge: boolean | undefined;
  /** Class for downlinks: the registry override, else the profile's class. */
  readonly deviceClass: 'A' | 'B' | 'C';
}

export type AbpDevice = IndexedDevice<Extract<Activation, { mode: 'ABP' }>>;
export type OtaaDevice = IndexedDevice<Extract<Activation, { mode: 'OTAA' }>>;

export interface DeviceIndex {
  readonly byDevAddr: ReadonlyMap<number, readonly AbpDevice[]>;
  readonly otaaByDevEui: ReadonlyMap<string, OtaaDevice>;
  /** Every device, ABP and OTAA. */
  readonly byDevEui: ReadonlyMap<string, IndexedDevice>;
  readonly abpCount: number;
  readonly otaaCount: number;
  /** Every codec the index uses (disposed when the index is replaced). */
  readonly codecs: ReadonlyMap<string, DeviceCodec>;
}

export const EMPTY_INDEX: DeviceIndex = {
  byDevAddr: new Map(),
  otaaByDevEui: new Map(),
  byDevEui: new Map(),
  abpCount: 0,
  otaaCount: 0,
  codecs: new Map(),
};

export function buildDeviceIndex(entries: readonly RegistryEntry[], codecs: ReadonlyMap<string, DeviceCodec>): DeviceIndex {
  const byDevAddr = new Map<number, AbpDevice[]>();
  const otaaByDevEui = new Map<string, OtaaDevice>();
  const byDevEui = new Map<string, IndexedDevice>();
  let abpCount = 0;
  for (const e of entries) {
    const codec = codecs.get(codecKey(e.profile.codecRef));
    if (!codec) throw new Error(`internal: no codec loaded for profile ${e.profile.id}`);
    const record: RecordDevice = Object.freeze({ devEui: e.devEui, name: e.name, profile: e.profile.id, owner: e.owner });
    const deviceClass = e.deviceClass ?? e.profile.class;
    const base = { devEui: e.devEui, record, codec, variables: e.variables, edge: e.edge, deviceClass };
    const act = e.activation;
    if (act.mode === 'ABP') {
      const list = byDevAddr.get(act.devAddr);
      const device: AbpDevice = { ...base, activation: act };
      if (list) list.push(device);
      else byDevAddr.set(act.devAddr, [device]);
      byDevEui.set(e.devEui, device);
      abpCount += 1;
    } else {
      const device: OtaaDevice = { ...base, activation: act };
      otaaByDevEui.set(e.devEui, device);
      byDevEui.set(e.devEui, device);
    }
  }
  return { byDevAddr, otaaByDevEui, byDevEui, abpCount, otaaCount: otaaByDevEui.size, codecs };
}
