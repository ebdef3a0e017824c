// The `stat` object of PUSH_DATA: the gateway's periodic status report. No I/O.
// Every field is optional (2.4 GHz and GPS-less gateways omit some). A field with the wrong type or
// an impossible value is left out and named in `junkFields`, so one odd field does not hide the rest.

import { describeJsonType, isPlainObject } from './gwmp.js';

export interface GatewayStat {
  /** Gateway system time as sent, for example "2014-01-12 08:59:28 GMT". */
  time?: string;
  /** Degrees, north positive. */
  lati?: number;
  /** Degrees, east positive. */
  long?: number;
  /** Metres. */
  alti?: number;
  /** Radio packets received. */
  rxnb?: number;
  /** Radio packets received with a valid PHY CRC. */
  rxok?: number;
  /** Radio packets forwarded. */
  rxfw?: number;
  /** Percentage (0..100) of upstream datagrams that were acknowledged. */
  ackr?: number;
  /** Downlink datagrams received. */
  dwnb?: number;
  /** Packets emitted. */
  txnb?: number;
  /** Degrees Celsius (SX1302 forwarders). */
  temp?: number;
}

export type StatParseResult =
  | { ok: true; stat: GatewayStat; junkFields: string[] }
  | { ok: false; reason: 'bad_stat'; detail: string };

type NumericStatField = Exclude<keyof GatewayStat, 'time'>;

const isCount = (v: number): boolean => Number.isInteger(v) && v >= 0;
const NUMERIC_RULES: ReadonlyArray<[NumericStatField, (v: number) => boolean]> = [
  ['lati', (v) => v >= -90 && v <= 90],
  ['long', (v) => v >= -180 && v <= 180],
  ['alti', () => true],
  ['rxnb', isCount],
  ['rxok', isCount],
  ['rxfw', isCount],
  ['ackr', (v) => v >= 0 && v <= 100],
  ['dwnb', isCount],
  ['txnb', isCount],
  ['temp', () => true],
];

export function parseGatewayStat(raw: unknown): StatParseResult {
  if (!isPlainObject(raw)) {
    return { ok: false, reason: 'bad_stat', detail: `stat is ${describeJsonType(raw)}, expected an object` };
  }
  const stat: GatewayStat = {};
  const junkFields: string[] = [];
  if (raw.time !== undefined) {
    if (typeof raw.time === 'string' && raw.time.trim() !== '') stat.time = raw.time;
    else junkFields.push('time');
  }
  for (const [field, valid] of NUMERIC_RULES) {
    const v = raw[field];
    if (v === undefined) continue;
    if (typeof v === 'number' && Number.isFinite(v) && valid(v)) stat[field] = v;
    else junkFields.push(field);
  }
  return { ok: true, stat, junkFields };
}
