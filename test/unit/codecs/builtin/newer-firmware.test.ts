// Built-in codecs and frames from newer firmware: a channel (record, sensor group) the codec does
// not know must not black out the device. Known channels are decoded, the unknown one is named in
// a warning, and decoding stops only where the rest of the frame can no longer be split. One suite
// per built-in codec whose format is made of channels or records.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtinCodecs, findBuiltinCodec, runBuiltinDecode } from '../../../../src/codecs/builtin/index.js';

const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const be16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
/** Decodes as the daemon does (data null when errors). */
const decoder = (id: string, defaultPort: number) => {
  const codec = findBuiltinCodec(id)!;
  return (bytes: number[], fPort = defaultPort) => runBuiltinDecode(codec, { bytes, fPort, recvTime: new Date(0) });
};

// Milesight AM307 ------------------------------------------------------------------------------
const am307 = suite('milesight-am307: newer firmware');
const d307 = decoder('milesight-am307', 85);
const BATTERY = [0x01, 0x75, 92];
const TEMPERATURE = [0x03, 0x67, ...le16(271)];
const CO2 = [0x07, 0x7d, ...le16(1255)];
const ACTIVITY = [0x05, 0x6a, 0x03, 0x00]; // newer firmware's activity counter (type 0x6a, 2 bytes)

am307('05 6a in the middle: skipped with a warning, the channels on both sides decoded', () => {
  assert.equal(d307([...BATTERY, ...TEMPERATURE, ...ACTIVITY, ...CO2]), {
    data: { battery: 92, temperature: 27.1, co2: 1255 },
    warnings: ['skipped unknown channel 05 6a at offset 7 (2-byte value, newer firmware?)'],
    errors: [],
  });
});

am307('an unknown channel at the end is skipped the same way', () => {
  assert.equal(d307([...TEMPERATURE, ...ACTIVITY]), {
    data: { temperature: 27.1 },
    warnings: ['skipped unknown channel 05 6a at offset 4 (2-byte value, newer firmware?)'],
    errors: [],
  });
});

am307('a channel of unknown size in the middle: the channels before it kept, decoding stops there', () => {
  const out = d307([...BATTERY, 0x20, 0xce, 1, 2, 3, 4, 5, 6, 7, ...CO2]);
  assert.equal(out.data, { battery: 92 });
  assert.equal(out.errors, []);
  assert.equal(out.warnings, ['unknown channel 20 ce at offset 3 on fPort 85: its length is unknown, so the last 13 bytes were not decoded']);
});

am307('a known channel cut short after others: those kept, a warning names it', () => {
  assert.equal(d307([...BATTERY, 0x07, 0x7d, 0xe7]), {
    data: { battery: 92 },
    warnings: ['frame ends inside channel 07 7d at offset 3 (needs 4 bytes, 3 left); it was not decoded'],
    errors: [],
  });
});

am307('an unknown channel cut short after others: same', () => {
  assert.equal(d307([...BATTERY, 0x05, 0x6a, 0x03]).warnings, [
    'frame ends inside unknown channel 05 6a at offset 3 (needs 4 bytes, 3 left); it was not decoded',
  ]);
});

am307('nothing decodable at all is still an error', () => {
  assert.equal(d307([0x20, 0xce, 1, 2]), {
    data: null,
    warnings: [],
    errors: ['unknown channel 20 ce at offset 0 on fPort 85: its length is unknown, so the last 4 bytes were not decoded'],
  });
});

am307.run();

// Milesight AM319 ------------------------------------------------------------------------------
const am319 = suite('milesight-am319: newer firmware');
const d319 = decoder('milesight-am319', 85);

am319('activity channel 05 6a skipped; its own PIR channel 05 00 and PM2.5 still decoded', () => {
  assert.equal(d319([0x05, 0x00, 1, ...ACTIVITY, 0x0b, 0x7d, ...le16(35)]), {
    data: { activity: 'trigger', 'pm2.5': 35 },
    warnings: ['skipped unknown channel 05 6a at offset 3 (2-byte value, newer firmware?)'],
    errors: [],
  });
});

am319('a new concentration channel (known type 0x7d, new id) is skipped, not fatal', () => {
  assert.equal(d319([...CO2, 0x0f, 0x7d, 1, 0, ...BATTERY]), {
    data: { co2: 1255, battery: 92 },
    warnings: ['skipped unknown channel 0f 7d at offset 4 (2-byte value, newer firmware?)'],
    errors: [],
  });
});

am319.run();

// Milesight WS558 (street light controller) ----------------------------------------------------
const ws558 = suite('milesight-ws558: newer firmware');
const d558 = decoder('milesight-ws558', 85);

ws558('a second voltage channel (new id, type 0x74) between known ones is skipped', () => {
  assert.equal(d558([0x03, 0x74, ...le16(2301), 0x09, 0x74, ...le16(2299), 0x04, 0x80, ...le32(1500)]), {
    data: { voltage: 230.1, active_power: 1500 },
    warnings: ['skipped unknown channel 09 74 at offset 4 (2-byte value, newer firmware?)'],
    errors: [],
  });
});

ws558('a channel of unknown type after the metering keeps the metering', () => {
  const out = d558([0x03, 0x74, ...le16(2301), 0x0a, 0xee, 1, 2]);
  assert.equal(out.data, { voltage: 230.1 });
  assert.equal(out.warnings, ['unknown channel 0a ee at offset 4 on fPort 85: its length is unknown, so the last 4 bytes were not decoded']);
});

ws558.run();

// ELSYS ERS --------------------------------------------------------------------------------------
const elsys = suite('elsys-ers: newer firmware');
const dElsys = decoder('elsys-ers', 5);

elsys('an unknown type in the middle: readings before it kept, decoding stops (Elsys records carry no length)', () => {
  assert.equal(dElsys([0x01, ...be16(226), 0x02, 41, 0x3d, 0, 0, 0x06, ...be16(776)]), {
    data: { temperature: 22.6, humidity: 41 },
    warnings: ['unknown Elsys type 0x3d at offset 5: its length is unknown, so the last 6 bytes were not decoded'],
    errors: [],
  });
});

elsys('an unknown type at the end and a record cut short', () => {
  assert.equal(dElsys([0x06, ...be16(776), 0x3d]).warnings, [
    'unknown Elsys type 0x3d at offset 3: its length is unknown, so the last 1 bytes were not decoded',
  ]);
  assert.equal(dElsys([0x06, ...be16(776), 0x07, 0x0e]), {
    data: { co2: 776 },
    warnings: ['frame ends inside Elsys type 0x07 at offset 3 (needs 3 bytes, 2 left); it was not decoded'],
    errors: [],
  });
});

elsys.run();

// NAS UL20xx (street light) ----------------------------------------------------------------------
const nas = suite('nasys-ul20xx: newer firmware');
const dNas = decoder('nasys-ul20xx', 23);
// Status header 0x01, time 2020-01-16, status bytes, RSSI, SNR, MCU temperature, alert byte.
const statusHead = [0x01, ...le32(1579188210), 0, 0, 40, 5, 20, 0];

nas('an unknown sensor source type: warning, block skipped by its length, dimming source decoded', () => {
  const out = dNas([...statusHead, 5, 0x01, 9, 0x40, 0xaa, 0xbb, 0xfe, 0x51, 25, 0x00]);
  assert.equal(out.errors, []);
  assert.equal(out.warnings, ['unsupported_sensor_source 0x40: the rest of the sensor source block was skipped']);
  const data = out.data as Record<string, unknown>;
  assert.equal(data.sensor_source, { ldr_input: 9 });
  assert.equal((data.dimming_source as Array<Record<string, unknown>>).map((s) => s.dimming_level__percent), [25]);
});

nas.run();

// Decentlab DL-PM / DL-LP8P ----------------------------------------------------------------------
const decentlab = suite('decentlab: newer firmware');

decentlab('DL-PM: a sensor group this codec does not know (flag bit 4) after the battery group', () => {
  assert.equal(decoder('decentlab-dl-pm', 1)([2, ...be16(7), ...be16(0x0011), ...be16(3000), ...be16(0x1234)]), {
    data: { protocol_version: 2, device_id: 7, battery_voltage: { displayName: 'Battery voltage', unit: 'V', value: 3 } },
    warnings: ['ignored flag bits 0x10 for sensor groups this codec does not know', 'ignored 2 trailing byte(s) after the flagged sensor groups'],
    errors: [],
  });
});

decentlab('DL-LP8P: the same for its groups', () => {
  const out = decoder('decentlab-dl-lp8p', 1)([2, ...be16(7), ...be16(0x0018), ...be16(3000), ...be16(1)]);
  assert.equal(out.errors, []);
  assert.equal((out.data as Record<string, unknown>).battery_voltage, { displayName: 'Battery voltage', unit: 'V', value: 3 });
  assert.equal(out.warnings.length, 2);
});

decentlab.run();

// Catalogue --------------------------------------------------------------------------------------
const catalogue = suite('catalogue');

catalogue('every channel/record codec of the catalogue is covered above', () => {
  const walkers = ['milesight-am307', 'milesight-am319', 'milesight-ws558', 'elsys-ers', 'nasys-ul20xx', 'decentlab-dl-pm', 'decentlab-dl-lp8p'];
  // Codecs with fixed layouts only (parking sensors, Netvox): their frames have no channels to add.
  const fixed = ['bosch-tps110', 'nwave-nps405', 'netvox-r719a', 'tekzitel-tekzipark'];
  assert.equal([...walkers, ...fixed].sort(), builtinCodecs.map((c) => c.id).sort(), 'a new built-in codec must be classified here');
});

catalogue.run();
