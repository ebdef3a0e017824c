// Simulated vendor payloads: exact bytes checked against the vendors' layouts, and every
// generator decoded by the device's built-in codec back to the readings it encoded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec, runBuiltinDecode } from '../../../src/codecs/builtin/index.js';
import type { CodecOutcome } from '../../../src/codecs/contract.js';
import { loadProfiles } from '../../../src/devices/profiles.js';
import { parseRegistry } from '../../../src/devices/registry.js';
import {
  DEMO_FLEET,
  ambience,
  ambiencePayload,
  demoRegistryYaml,
  parkingStatus,
  parkingStatusPayload,
  roomClimate,
  roomClimatePayload,
  streetLightUsage,
  streetLightUsagePayload,
} from '../../../src/testing/device-payloads.js';

function decode(codecId: string, fPort: number, payload: Buffer): CodecOutcome {
  const codec = findBuiltinCodec(codecId);
  if (!codec) throw new Error(`no codec ${codecId}`);
  return runBuiltinDecode(codec, { bytes: Array.from(payload), fPort, recvTime: new Date(0) });
}

const hex = (b: Buffer) => b.toString('hex');

test('street light: NAS usage packet bytes and decode', () => {
  // 00 header, FF own meter, mask 33, energy 120000 Wh LE, power 40 W LE, PF 90/100, 226 V.
  assert.is(hex(streetLightUsagePayload(0)), '00ff33c0d4010028005ae2');
  const out = decode('nasys-ul20xx', 26, streetLightUsagePayload(0));
  assert.equal(out, {
    data: {
      packet_type: 'usage_packet',
      consumption: [{ address: 'internal_measurement', active_energy__Wh: 120000, active_power__W: 40, power_factor: 0.9, mains_voltage__V: 226 }],
    },
    warnings: [],
    errors: [],
  });
  for (let n = 0; n < 300; n++) {
    const u = streetLightUsage(n);
    const d = decode('nasys-ul20xx', 26, streetLightUsagePayload(n));
    assert.equal(d.errors, [], `n=${n}`);
    assert.equal((d.data!.consumption as unknown[])[0], {
      address: 'internal_measurement',
      active_energy__Wh: u.activeEnergyWh,
      active_power__W: u.activePowerW,
      power_factor: u.powerFactor,
      mains_voltage__V: u.mainsVoltageV,
    });
  }
  assert.is.not(hex(streetLightUsagePayload(1)), hex(streetLightUsagePayload(0)));
});

test('parking: Nwave status byte and the compressed previous-state duration', () => {
  assert.is(hex(parkingStatusPayload(0)), '01');
  assert.equal(decode('nwave-nps405', 1, parkingStatusPayload(0)).data, {
    type: 'parking_status', occupied: true, previous_state_duration: 0, previous_state_duration_error: 0, previous_state_duration_overflow: false,
  });
  // n=9: code 99 -> 90 + (99-90)*5 = 135 min, +-4; free.
  assert.is(hex(parkingStatusPayload(9)), 'c6');
  assert.equal(decode('nwave-nps405', 1, parkingStatusPayload(9)).data, {
    type: 'parking_status', occupied: false, previous_state_duration: 135, previous_state_duration_error: 4, previous_state_duration_overflow: false,
  });
  // n=11: code 121 -> 240 + 60 = 300 min, +-59.
  assert.is(hex(parkingStatusPayload(11)), 'f2');
  assert.is(decode('nwave-nps405', 1, parkingStatusPayload(11)).data!.previous_state_duration, 300);
  for (let n = 0; n < 300; n++) {
    const s = parkingStatus(n);
    const d = decode('nwave-nps405', 1, parkingStatusPayload(n));
    assert.equal(d.errors, []);
    assert.is(d.data!.occupied, s.occupied);
  }
});

test('air: Elsys ERS CO2 type/value pairs', () => {
  assert.is(hex(roomClimatePayload(0)), '0100aa022304000005000601a4070e10');
  assert.equal(decode('elsys-ers', 5, roomClimatePayload(0)).data, { temperature: 17, humidity: 35, light: 0, motion: 0, co2: 420, vdd: 3600 });
  for (let n = 0; n < 300; n++) {
    const r = roomClimate(n);
    const d = decode('elsys-ers', 5, roomClimatePayload(n));
    assert.equal(d.errors, []);
    assert.equal(d.data, { temperature: r.temperatureC, humidity: r.humidityPct, light: r.lightLux, motion: r.motionCount, co2: r.co2Ppm, vdd: r.batteryMv });
  }
});

test('air: Milesight AM307 channels', () => {
  assert.is(hex(ambiencePayload(0)), '0367b90004685005000106cb00077dc201087d14000973' + '4227');
  assert.equal(decode('milesight-am307', 85, ambiencePayload(0)).data, {
    temperature: 18.5, humidity: 40, pir: 'trigger', light_level: 0, co2: 450, tvoc: 20, pressure: 1005,
  });
  for (let n = 0; n < 300; n++) {
    const a = ambience(n);
    const d = decode('milesight-am307', 85, ambiencePayload(n));
    assert.equal(d.errors, []);
    assert.equal(d.data, {
      temperature: a.temperatureC, humidity: a.humidityPct, pir: a.motion ? 'trigger' : 'idle', light_level: a.lightLevel,
      co2: a.co2Ppm, tvoc: a.tvoc, pressure: a.pressureHpa,
    });
  }
});

test('DEMO_FLEET: one device per category, distinct identities, payloads decode on their fPort', () => {
  const profiles = loadProfiles().profiles;
  const categories = new Set(DEMO_FLEET.map((d) => profiles.get(d.profile)!.category));
  assert.ok(categories.has('streetlight') && categories.has('parking') && categories.has('air'));
  assert.is(new Set(DEMO_FLEET.map((d) => d.devEui)).size, DEMO_FLEET.length);
  assert.is(new Set(DEMO_FLEET.map((d) => d.devAddr)).size, DEMO_FLEET.length);
  assert.is(new Set(DEMO_FLEET.map((d) => d.nwkSKey)).size, DEMO_FLEET.length);
  for (const d of DEMO_FLEET) {
    assert.ok(profiles.get(d.profile)!.fPorts.includes(d.fPort), `${d.name}: fPort ${d.fPort} in its profile`);
    for (let n = 0; n < 5; n++) assert.equal(decode(d.profile, d.fPort, d.payload(n)).errors, [], d.name);
    assert.is.not(hex(d.payload(1)), hex(d.payload(2)), `${d.name}: values vary`);
  }
});

test('demoRegistryYaml parses into the fleet', () => {
  const r = parseRegistry(demoRegistryYaml(DEMO_FLEET), loadProfiles().profiles);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.problems, []);
  assert.equal(
    r.entries.map((e) => [e.devEui, e.name, e.profile.id, e.activation.mode === 'ABP' ? e.activation.devAddrHex : '', e.activation.mode === 'ABP' ? e.activation.nwkSKey.toString('hex') : '']),
    DEMO_FLEET.map((d) => [d.devEui, d.name, d.profile, d.devAddr, d.nwkSKey]),
  );
});

test.run();
