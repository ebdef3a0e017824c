// Shared pieces of the ChirpStack mapping: enum tables and protobuf time helpers.
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { CodeRateMap } from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import tsPb from 'google-protobuf/google/protobuf/timestamp_pb.js';

export type Marshaler = 'protobuf' | 'json';

/** Code rates as written on air (`4/5`, `4/8LI`) to ChirpStack's CodeRate enum. */
export const CODE_RATES: Record<string, CodeRateMap[keyof CodeRateMap]> = {
  '4/5': gw.CodeRate.CR_4_5,
  '4/6': gw.CodeRate.CR_4_6,
  '4/7': gw.CodeRate.CR_4_7,
  '4/8': gw.CodeRate.CR_4_8,
  '3/8': gw.CodeRate.CR_3_8,
  '2/6': gw.CodeRate.CR_2_6,
  '1/4': gw.CodeRate.CR_1_4,
  '1/6': gw.CodeRate.CR_1_6,
  '5/6': gw.CodeRate.CR_5_6,
  '4/5LI': gw.CodeRate.CR_LI_4_5,
  '4/6LI': gw.CodeRate.CR_LI_4_6,
  '4/8LI': gw.CodeRate.CR_LI_4_8,
};


export const CRC_STATUS = { ok: gw.CRCStatus.CRC_OK, bad: gw.CRCStatus.BAD_CRC, none: gw.CRCStatus.NO_CRC } as const;

export function timestampFromMs(ms: number): InstanceType<typeof tsPb.Timestamp> {
  const ts = new tsPb.Timestamp();
  ts.setSeconds(Math.floor(ms / 1000));
  ts.setNanos(Math.round((ms % 1000) * 1e6));
  return ts;
}

export function timestampFromIso(iso: string): InstanceType<typeof tsPb.Timestamp> | undefined {
  // Keep the microseconds the packet forwarder gives (Date.parse would cut them to ms).
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso.trim());
  if (!m) return undefined;
  const secondsMs = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (!Number.isFinite(secondsMs)) return undefined;
  const ts = new tsPb.Timestamp();
  ts.setSeconds(Math.floor(secondsMs / 1000));
  ts.setNanos(m[2] ? Number(m[2].padEnd(9, '0')) : 0);
  return ts;
}
