// Real vendor payloads for simulated devices: each generator writes the byte layout the
// device's firmware sends (so the built-in codecs decode it), with readings that change from one
// uplink to the next. DEMO_FLEET puts them on ABP devices; demoRegistryYaml() writes the matching
// registry. Keys here are public demo values: never use them in the field.
import YAML from 'yaml';
import type { SimDeviceSpec } from './end-devices.js';

/** Wraps n into 0..period-1 (n may be any non-negative integer). */
function cycle(n: number, step: number, period: number): number {
  return (n * step) % period;
}

// --- NAS UL20xx luminaire controller, usage packet (fPort 26) ---------------------------------

export interface StreetLightUsage {
  /** Cumulative active energy, Wh (grows every uplink). */
  activeEnergyWh: number;
  activePowerW: number;
  /** 0.90 .. 0.98 */
  powerFactor: number;
  mainsVoltageV: number;
}

export function streetLightUsage(n: number): StreetLightUsage {
  return {
    activeEnergyWh: 120_000 + n * 37,
    activePowerW: 40 + cycle(n, 13, 41),
    powerFactor: (90 + (n % 9)) / 100,
    mainsVoltageV: 226 + cycle(n, 5, 9),
  };
}

/**
 * Usage packet: header 0x00, then one entry for the controller's own meter: address 0xFF,
 * field mask 0x33 (active energy u32 LE, active power u16 LE, power factor u8 in 1/100,
 * mains voltage u8).
 */
export function streetLightUsagePayload(n: number): Buffer {
  const u = streetLightUsage(n);
  const b = Buffer.alloc(11);
  b[0] = 0x00;
  b[1] = 0xff;
  b[2] = 0x33;
  b.writeUInt32LE(u.activeEnergyWh, 3);
  b.writeUInt16LE(u.activePowerW, 7);
  b[9] = Math.round(u.powerFactor * 100);
  b[10] = u.mainsVoltageV;
  return b;
}

// --- Nwave NPS405 parking sensor, parking status (fPort 1) ------------------------------------

export interface ParkingStatus {
  occupied: boolean;
  /** The 7-bit compressed duration of the previous state (0..127). */
  previousStateCode: number;
}

export function parkingStatus(n: number): ParkingStatus {
  return { occupied: n % 2 === 0, previousStateCode: cycle(n, 11, 128) };
}

/** One byte: bit 0 = occupied, bits 1..7 = compressed duration of the previous state. */
export function parkingStatusPayload(n: number): Buffer {
  const s = parkingStatus(n);
  return Buffer.from([(s.previousStateCode << 1) | (s.occupied ? 1 : 0)]);
}

// --- ELSYS ERS CO2 room sensor (fPort 5) -------------------------------------------------------

export interface RoomClimate {
  /** 0.1 degC resolution. */
  temperatureC: number;
  humidityPct: number;
  lightLux: number;
  motionCount: number;
  co2Ppm: number;
  batteryMv: number;
}

export function roomClimate(n: number): RoomClimate {
  return {
    temperatureC: (170 + cycle(n, 7, 60)) / 10,
    humidityPct: 35 + cycle(n, 3, 30),
    lightLux: cycle(n, 53, 1000),
    motionCount: n % 4,
    co2Ppm: 420 + cycle(n, 37, 800),
    batteryMv: 3600 - Math.min(500, Math.floor(n / 100)),
  };
}

/** Elsys `type, value` pairs, big-endian: 01 temperature i16/10, 02 humidity, 04 light, 05 motion, 06 CO2, 07 VDD. */
export function roomClimatePayload(n: number): Buffer {
  const r = roomClimate(n);
  return Buffer.from([
    0x01, ...be16(Math.round(r.temperatureC * 10)),
    0x02, r.humidityPct,
    0x04, ...be16(r.lightLux),
    0x05, r.motionCount,
    0x06, ...be16(r.co2Ppm),
    0x07, ...be16(r.batteryMv),
  ]);
}

/** Two bytes, most significant first (negative values as two's complement). */
function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

/** Two bytes, least significant first. */
function le16(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff];
}

// --- Milesight AM307 ambience monitor (fPort 85) ----------------------------------------------

export interface Ambience {
  temperatureC: number;
  /** 0.5 % resolution. */
  humidityPct: number;
  motion: boolean;
  lightLevel: number;
  co2Ppm: number;
  tvoc: number;
  /** 0.1 hPa resolution. */
  pressureHpa: number;
}

export function ambience(n: number): Ambience {
  return {
    temperatureC: (205 + cycle(n, 3, 40) - 20) / 10,
    humidityPct: (80 + cycle(n, 5, 40)) / 2,
    motion: n % 3 === 0,
    lightLevel: cycle(n, 1, 6),
    co2Ppm: 450 + cycle(n, 29, 900),
    tvoc: 20 + cycle(n, 17, 300),
    pressureHpa: (10_050 + cycle(n, 7, 200)) / 10,
  };
}

/** Milesight channels `id, type, value`, little-endian: 03 67 temperature, 04 68 humidity, 05 00 PIR, 06 CB light, 07 7D CO2, 08 7D TVOC, 09 73 pressure. */
export function ambiencePayload(n: number): Buffer {
  const a = ambience(n);
  return Buffer.from([
    0x03, 0x67, ...le16(Math.round(a.temperatureC * 10)),
    0x04, 0x68, Math.round(a.humidityPct * 2),
    0x05, 0x00, a.motion ? 1 : 0,
    0x06, 0xcb, a.lightLevel,
    0x07, 0x7d, ...le16(a.co2Ppm),
    0x08, 0x7d, ...le16(a.tvoc),
    0x09, 0x73, ...le16(Math.round(a.pressureHpa * 10)),
  ]);
}

// --- The demo fleet ----------------------------------------------------------------------------

/** A simulated device that also knows its registry fields. */
export interface DemoDeviceSpec extends SimDeviceSpec {
  /** Device profile id (the shipped profiles are named after their built-in codec). */
  profile: string;
  owner: string;
}

/** Deterministic demo key (public: never use such keys in the field). */
function demoKey(tag: number, i: number): string {
  return Buffer.from(Array.from({ length: 16 }, (_, k) => (0xa5 ^ (tag * 17 + i * 29 + k * 11)) & 0xff)).toString('hex');
}

function demoDevice(
  i: number,
  name: string,
  profile: string,
  owner: string,
  fPort: number,
  payload: (n: number) => Buffer,
): DemoDeviceSpec {
  return {
    name,
    devEui: `70b3d57ed00a${(i + 1).toString(16).padStart(4, '0')}`,
    devAddr: (0x260a0000 + i + 1).toString(16).padStart(8, '0'),
    nwkSKey: demoKey(1, i),
    appSKey: demoKey(2, i),
    fPort,
    payload,
    profile,
    owner,
  };
}

export const DEMO_FLEET: DemoDeviceSpec[] = [
  demoDevice(0, 'demo-streetlight-1', 'nasys-ul20xx', 'demo-city-lighting', 26, streetLightUsagePayload),
  demoDevice(1, 'demo-parking-1', 'nwave-nps405', 'demo-city-parking', 1, parkingStatusPayload),
  demoDevice(2, 'demo-room-1', 'elsys-ers', 'demo-facilities', 5, roomClimatePayload),
  demoDevice(3, 'demo-room-2', 'milesight-am307', 'demo-facilities', 85, ambiencePayload),
];

/** The registry YAML (`devices.registry`) that makes the daemon attribute and decode `fleet`. */
export function demoRegistryYaml(fleet: readonly DemoDeviceSpec[] = DEMO_FLEET): string {
  const devices = fleet.map((d) => ({
    devEui: d.devEui,
    name: d.name,
    profile: d.profile,
    owner: d.owner,
    activation: { devAddr: d.devAddr, nwkSKey: d.nwkSKey, appSKey: d.appSKey },
  }));
  return `# Demo device registry (public demo keys: never use them in the field).\n${YAML.stringify({ devices })}`;
}
