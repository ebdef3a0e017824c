// NAS UL20xx FW 1.1.x vectors built from the documented byte layout, plus the vendor's examples.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const codec = findBuiltinCodec('nasys-ul20xx')!;
const decode = (fPort: number, bytes: number[]) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });
const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const hex = (s: string) => Array.from(Buffer.from(s.split(' ').join(''), 'hex'));

const T_2020_01_16 = 1579188211; // 2020-01-16T15:23:31Z
const DALI_OK = {
  driver_error: false,
  lamp_failure: false,
  lamp_on: false,
  limit_error: false,
  fade_running: false,
  reset_state: false,
  missing_short_address: false,
  power_failure: false,
};
const source = (address: string, reason: string, level: number | string, status: Record<string, boolean> = DALI_OK) => ({
  address,
  reason,
  dimming_level__percent: level,
  status,
});

const status = suite('nasys-ul20xx fPort 23 status');

status('header 0x01: status bits, second status byte, alerts, sensor sources, dimming sources', () => {
  const bytes = [
    0x01, ...le32(T_2020_01_16),
    0b1000_0010, // dali_connection_error (bit1), internal_relay_closed (bit7)
    0b0100_0100, // open_drain_output_on (bit2), lumalink_connected (bit6)
    50, 9, 22, // RSSI reported negated, SNR, MCU temperature
    0b0010_0000, // lamp_error_alert_in_24h (bit5)
    7, 0x01, 210, 0x02, ...le16(21908), 0x04, 0x01, // sensor block: ldr, light sensor, digital input
    0xfe, 0x50, 25, 0x00, // broadcast, calendar_dusk_step_0, 25 %
    0x12, 0x50, 25, 0x00, // single address 9
  ];
  assert.equal(decode(23, bytes), {
    data: {
      packet_type: 'status_packet',
      device_unix_epoch: '2020-01-16T15:23:31.000Z',
      status: {
        dali_connection_error: true,
        metering_com_error: false,
        ext_rtc_warning: false,
        internal_relay_closed: true,
        open_drain_output_on: true,
        lumalink_connected: true,
        lumalink_connected_after_boot: false,
      },
      downlink_rssi__dBm: -50,
      downlink_snr__dB: 9,
      mcu_temperature__C: 22,
      active_alerts: {
        voltage_alert_in_24h: false,
        lamp_error_alert_in_24h: true,
        power_alert_in_24h: false,
        power_factor_alert_in_24h: false,
      },
      // 10^(21908/4000)/1000 = 299.93 lx -> one decimal below 1000 lx
      sensor_source: { ldr_input: 210, light_sensor__lx: '299.9', dig_input_1_on: true },
      dimming_source: [source('dali_broadcast', 'calendar_dusk_step_0', 25), source('dali_single_9', 'calendar_dusk_step_0', 25)],
    },
    warnings: ['dali_connection_error', 'lamp_error_alert_in_24h'],
    errors: [],
  });
});

status('vendor example (data sheet) gives the same result as the hand-built frame', () => {
  const vendor = decode(23, hex('01 F37F205E 8244 32 09 16 20 07 01 D2 02 9455 04 01 FE 50 19 00 12 50 19 00'));
  assert.equal(vendor.errors, []);
  assert.is((vendor.data as Record<string, unknown>).downlink_rssi__dBm, -50);
  assert.equal((vendor.data as Record<string, unknown>).sensor_source, { ldr_input: 210, light_sensor__lx: '299.9', dig_input_1_on: true });
});

status('header 0x01: metering and RTC warnings, lumalink after boot, negative SNR and temperature', () => {
  const bytes = [0x01, ...le32(T_2020_01_16), 0b0110_0000, 0b1000_0000, 120, 0xf6, 0xfb, 0b1111_0000, 0];
  assert.equal(decode(23, bytes), {
    data: {
      packet_type: 'status_packet',
      device_unix_epoch: '2020-01-16T15:23:31.000Z',
      status: {
        dali_connection_error: false,
        metering_com_error: true,
        ext_rtc_warning: true,
        internal_relay_closed: false,
        open_drain_output_on: false,
        lumalink_connected: false,
        lumalink_connected_after_boot: true,
      },
      downlink_rssi__dBm: -120,
      downlink_snr__dB: -10,
      mcu_temperature__C: -5,
      active_alerts: {
        voltage_alert_in_24h: true,
        lamp_error_alert_in_24h: true,
        power_alert_in_24h: true,
        power_factor_alert_in_24h: true,
      },
      sensor_source: {},
      dimming_source: [],
    },
    warnings: [
      'metering_com_error',
      'ext_rtc_warning',
      'voltage_alert_in_24h',
      'lamp_error_alert_in_24h',
      'power_alert_in_24h',
      'power_factor_alert_in_24h',
    ],
    errors: [],
  });
});

status('header 0x00 (before FW 1.1.4): ldr/dig bits, flags byte with LDR value and alert byte', () => {
  const bytes = [
    0x00, ...le32(T_2020_01_16),
    0b0001_0100, // ldr_input_on (bit2), dig_input_on (bit4)
    60, 3, 30,
    0b0001_0110, // LDR value follows (bit1), open drain on (bit2), alert byte follows (bit4)
    77, // LDR value
    0b0100_0000, // power alert
    0x01, 0x00, 0xff, 0xff, // analog 0-10V, profile_0, level n/a, DALI status n/a
  ];
  assert.equal(decode(23, bytes), {
    data: {
      packet_type: 'status_packet',
      device_unix_epoch: '2020-01-16T15:23:31.000Z',
      status: {
        dali_connection_error: false,
        metering_com_error: false,
        ext_rtc_warning: false,
        internal_relay_closed: false,
        ldr_input_on: true,
        dig_input_on: true,
        open_drain_output_on: true,
      },
      downlink_rssi__dBm: -60,
      downlink_snr__dB: 3,
      mcu_temperature__C: 30,
      ldr_input_value: 77,
      active_alerts: {
        voltage_alert_in_24h: false,
        lamp_error_alert_in_24h: false,
        power_alert_in_24h: true,
        power_factor_alert_in_24h: false,
      },
      dimming_source: [source('analog_0_10v', 'profile_0', 'n/a')],
    },
    warnings: ['power_alert_in_24h'],
    errors: [],
  });
});

status('header 0x00 without alert byte has no active_alerts; vendor example with timestamp before 2015', () => {
  assert.equal(decode(23, hex('00F6E5853800340718000EF5FFFF')), {
    data: {
      packet_type: 'status_packet',
      device_unix_epoch: 'invalid_timestamp',
      status: {
        dali_connection_error: false,
        metering_com_error: false,
        ext_rtc_warning: false,
        internal_relay_closed: false,
        ldr_input_on: false,
        dig_input_on: false,
        open_drain_output_on: false,
      },
      downlink_rssi__dBm: -52,
      downlink_snr__dB: 7,
      mcu_temperature__C: 24,
      dimming_source: [source('dali_single_7', 'relay_off', 'n/a')],
    },
    warnings: ['invalid_timestamp'],
    errors: [],
  });
});

status('timestamp boundary: 2015-01-01T00:00:00Z is valid, one second earlier is not', () => {
  const frame = (t: number) => [0x00, ...le32(t), 0, 0, 0, 0, 0];
  assert.is((decode(23, frame(1420070400)).data as Record<string, unknown>).device_unix_epoch, '2015-01-01T00:00:00.000Z');
  const early = decode(23, frame(1420070399));
  assert.is((early.data as Record<string, unknown>).device_unix_epoch, 'invalid_timestamp');
  assert.equal(early.warnings, ['invalid_timestamp']);
});

const head01 = (sensorBlock: number[], rest: number[] = []) => [0x01, ...le32(T_2020_01_16), 0, 0, 40, 5, 20, 0, ...sensorBlock, ...rest];
const sensors = (bytes: number[]) => (decode(23, bytes).data as Record<string, unknown>).sensor_source;

status('sensor sources: lux decimals by magnitude, 0xFFFF unavailable, bit 15 ignored, D4i and tilt', () => {
  // lux = 10^(raw/4000)/1000: raw 0 -> 0.001, 4000 -> 0.01, 16000 -> 10, 20000 -> 100, 24000 -> 1000
  assert.equal(sensors(head01([3, 0x02, ...le16(0)])), { light_sensor__lx: '0.001' });
  assert.equal(sensors(head01([3, 0x02, ...le16(4000)])), { light_sensor__lx: '0.010' });
  assert.equal(sensors(head01([3, 0x02, ...le16(16000)])), { light_sensor__lx: '10.00' });
  assert.equal(sensors(head01([3, 0x02, ...le16(20000)])), { light_sensor__lx: '100.0' });
  assert.equal(sensors(head01([3, 0x03, ...le16(24000)])), { d4i_light_sensor__lx: '1000' });
  assert.equal(sensors(head01([3, 0x02, ...le16(0x8000 | 4000)])), { light_sensor__lx: '0.010' });
  assert.equal(sensors(head01([3, 0x02, 0xff, 0xff])), { light_sensor__lx: 'unavailable' });
  assert.equal(sensors(head01([4, 0x08, 30, 0x04, 0x00])), { tilt_sensor__deg: 30, dig_input_1_on: false });
  assert.equal(sensors(head01([2, 0x08, 0xff])), { tilt_sensor__deg: null });
});

status('unknown sensor source type: warning, rest of the block skipped, dimming sources still decoded', () => {
  const r = decode(23, head01([4, 0x01, 9, 0x21, 0x00], [0xfe, 0x51, 25, 0x00]));
  assert.equal(r.errors, []);
  assert.equal(r.warnings, ['unsupported_sensor_source 0x21: the rest of the sensor source block was skipped']);
  const data = r.data as Record<string, unknown>;
  assert.equal(data.sensor_source, { ldr_input: 9 });
  assert.equal(data.dimming_source, [source('dali_broadcast', 'calendar_dusk_step_1', 25)]);
});

status('sensor entry running past the declared block length is an error', () => {
  const r = decode(23, head01([1, 0x02, 0x10, 0x20]));
  assert.equal(r.errors, ['error_decoding_sensor_source: an entry runs past the declared block length']);
});

status('dimming source addresses, reasons, levels and DALI status warnings', () => {
  const r = decode(23, head01([0], [
    0x86, 0x03, 0, 0x2b, // group 3, profile_3, 0 %, driver_error|lamp_failure|limit_error|reset_state
    0x7e, 0x21, 100, 0x84, // single 63, calendar_day, lamp_on|power_failure
    0x00, 0x22, 10, 0x50, // single 0, calendar_night, fade_running|missing_short_address
    0x02, 0x3f, 11, 0, // calendar_dawn_step_15
    0x04, 0x5f, 12, 0, // calendar_dusk_step_15
    0x06, 0x70, 13, 0, // dig_inactive
    0x08, 0x87, 14, 0, // light_monitor_step_7
    0x0a, 246, 15, 0, // driver_not_found
    0x0c, 248, 16, 0, // fallback_active
    0x0e, 250, 17, 0, // ldr_input_active
    0x10, 252, 18, 0, // dig_input_active
    0x12, 253, 19, 0, // manual_active
    0x9e, 7, 20, 0, // group 15, profile_7
  ]));
  assert.equal(r.errors, []);
  const d = r.data as Record<string, unknown>;
  assert.equal(d.dimming_source, [
    source('dali_group_3', 'profile_3', 0, { ...DALI_OK, driver_error: true, lamp_failure: true, limit_error: true, reset_state: true }),
    source('dali_single_63', 'calendar_day', 100, { ...DALI_OK, lamp_on: true, power_failure: true }),
    source('dali_single_0', 'calendar_night', 10, { ...DALI_OK, fade_running: true, missing_short_address: true }),
    source('dali_single_1', 'calendar_dawn_step_15', 11),
    source('dali_single_2', 'calendar_dusk_step_15', 12),
    source('dali_single_3', 'dig_inactive', 13),
    source('dali_single_4', 'light_monitor_step_7', 14),
    source('dali_single_5', 'driver_not_found', 15),
    source('dali_single_6', 'fallback_active', 16),
    source('dali_single_7', 'ldr_input_active', 17),
    source('dali_single_8', 'dig_input_active', 18),
    source('dali_single_9', 'manual_active', 19),
    source('dali_group_15', 'profile_7', 20),
  ]);
  assert.equal(r.warnings, [
    'dali_group_3 driver_error',
    'dali_group_3 lamp_failure',
    'dali_group_3 limit_error',
    'dali_group_3 reset_state',
    'dali_single_63 power_failure',
  ]);
});

status('invalid addresses (0xFF and odd values) are warnings; undefined reasons are errors', () => {
  const r = decode(23, head01([0], [0xff, 0x00, 1, 0, 0x05, 0x10, 1, 0, 0x02, 0xff, 1, 0]));
  assert.equal(r.warnings, ['invalid_address', 'invalid_address']);
  assert.equal(r.errors, ['invalid_reason: dimming reason 0x10 is not defined', 'unknown_reason: dimming reason 0xff']);
  assert.equal((r.data as Record<string, unknown>).dimming_source, [
    source('invalid', 'profile_0', 1),
    source('invalid', 'invalid_reason', 1),
    source('dali_single_1', 'unknown', 1),
  ]);
});

status('errors: bad header, truncated header, partial dimming source, empty payload', () => {
  assert.equal(decode(23, [0x02, 0, 0, 0, 0]), {
    warnings: [],
    errors: ['invalid_packet_type: fPort 23 header 0x02 is not 0x00 or 0x01'],
  });
  assert.equal(decode(23, [0x01, 1, 2, 3]).errors, ['payload too short for fPort 23: need 5 bytes, got 4 (device time)']);
  assert.equal(decode(23, head01([0], [0xfe, 0x50])).errors, [
    'payload too short for fPort 23: need 15 bytes, got 14 (dimming source entry (address, reason, level, DALI status))',
  ]);
  assert.equal(decode(23, []).errors, ['payload too short for fPort 23: need 1 bytes, got 0 (status header)']);
});

status.run();

const usage = suite('nasys-ul20xx fPort 26 usage');

usage('all mask bits, internal measurement, rounding of hours', () => {
  const bytes = [
    0x00,
    0xff, 0x80, ...le32(19918800), // internal measurement: lamp on 19918800 s = 5533.0 h
    0x12, 0xff, ...le32(234567), ...le16(42), ...le32(215801), ...le16(39), 93, 229, ...le32(47805120), ...le32(19918800),
    0x14, 0xc0, ...le32(9000), ...le32(9000), // 2.5 h: driver time rounds to 3, lamp time keeps 2.5
    0x16, 0xd0, 0xff, ...le32(1800), ...le32(360), // power factor 0xFF unknown; 0.5 h rounds to 1; 360 s = 0.1 h
  ];
  assert.equal(decode(26, bytes), {
    data: {
      packet_type: 'usage_packet',
      consumption: [
        { address: 'internal_measurement', lamp_on_time__h: 5533 },
        {
          address: 'dali_single_9',
          active_energy__Wh: 234567,
          active_power__W: 42,
          load_side_energy__Wh: 215801,
          load_side_power__W: 39,
          power_factor: 0.93,
          mains_voltage__V: 229,
          driver_operating_time__h: 13279, // 47805120 s = 13279.2 h
          lamp_on_time__h: 5533,
        },
        { address: 'dali_single_10', driver_operating_time__h: 3, lamp_on_time__h: 2.5 },
        { address: 'dali_single_11', power_factor: 'unknown', driver_operating_time__h: 1, lamp_on_time__h: 0.1 },
      ],
    },
    warnings: [],
    errors: [],
  });
});

usage('vendor example decodes to the documented values', () => {
  const r = decode(26, hex('00 FF 80 D0EF2F01 12 FF 47940300 2A00 F94A0300 2700 5D E5 C072D902 D0EF2F01'));
  assert.equal(r.errors, []);
  assert.is(((r.data as { consumption: Array<Record<string, unknown>> }).consumption[1]).active_energy__Wh, 234567);
});

usage('header only gives an empty list; bad header and truncated fields are errors', () => {
  assert.equal(decode(26, [0x00]).data, { packet_type: 'usage_packet', consumption: [] });
  assert.equal(decode(26, [0x01]).errors, ['invalid_packet_type: fPort 26 header 0x01 is not 0x00']);
  assert.equal(decode(26, [0x00, 0x12, 0x01, 1, 2]).errors, ['payload too short for fPort 26: need 7 bytes, got 5 (usage entry)']);
  assert.equal(decode(26, [0x00, 0x12]).errors, ['payload too short for fPort 26: need 3 bytes, got 2 (usage entry)']);
});

usage.run();

const commands = suite('nasys-ul20xx fPort 60 command responses');

commands('manual dimming echo: broadcast, all devices, resume, group', () => {
  assert.equal(decode(60, [0x01, 0xfe, 100, 0xff, 0xff, 0x86, 50]), {
    data: {
      packet_type: 'manual_dimming',
      destination: [
        { address: 'dali_broadcast', dimming_level__percent: 100 },
        { address: 'all_devices', dimming_level__percent: 'resume' },
        { address: 'dali_group_3', dimming_level__percent: 50 },
      ],
    },
    warnings: [],
    errors: [],
  });
  assert.equal(decode(60, hex('01FE64')).data, { packet_type: 'manual_dimming', destination: [{ address: 'dali_broadcast', dimming_level__percent: 100 }] });
});

commands('other commands and odd-length dimming lists are errors', () => {
  assert.equal(decode(60, [0x04, 0x02]).errors, ['unsupported fPort 60 command 0x04 (only 0x01 manual dimming is decoded)']);
  assert.equal(decode(60, [0x01, 0xfe]).errors, ['payload too short for fPort 60: need 3 bytes, got 2 (dimming entry (address, level))']);
});

commands.run();

const notes = suite('nasys-ul20xx fPort 61 notifications');

notes('digital input: 4-byte form with state, 2-byte form without', () => {
  assert.equal(decode(61, [0x80, 0x41, ...le32(6)]), {
    data: { packet_type: 'dig_input_notification', dig_input_on: true, dig_input_event_counter: 6 },
    warnings: [],
    errors: [],
  });
  assert.equal(decode(61, [0x80, 0x20, ...le16(700)]).data, { packet_type: 'dig_input_notification', dig_input_event_counter: 700 });
  assert.equal(decode(61, [0x80, 0x30, 1, 2, 3]).errors, [
    'invalid_packet_length: digital input notification declares 3 bytes, expected 2 or 4',
  ]);
});

notes('LDR notification', () => {
  assert.equal(decode(61, hex('81200079')).data, { packet_type: 'ldr_input_notification', ldr_input_on: false, ldr_input_value: 121 });
  assert.equal(decode(61, [0x81, 0x20, 0x01, 5]).data, { packet_type: 'ldr_input_notification', ldr_input_on: true, ldr_input_value: 5 });
  assert.equal(decode(61, [0x81, 0x10, 0x01]).errors, ['invalid_packet_length: LDR notification declares 1 bytes, expected 2']);
  assert.equal(decode(61, [0x81, 0x20, 0x01, 5, 9]).errors, ['payload too long for fPort 61: 1 unexpected trailing byte']);
});

notes('DALI driver alert: pairs of address and status, warnings per flag', () => {
  assert.equal(decode(61, [0x83, 0x20, 0x02, 0x02, 0xff, 0x01]), {
    data: {
      packet_type: 'dali_driver_alert',
      drivers: [
        { address: 'dali_single_1', status: { ...DALI_OK, lamp_failure: true } },
        { address: 'invalid', status: { ...DALI_OK, driver_error: true } },
      ],
    },
    warnings: ['dali_single_1 lamp_failure', 'invalid_address', 'invalid driver_error'],
    errors: [],
  });
});

notes('metering alert: every condition bit, power, voltage, power factor', () => {
  assert.equal(decode(61, [0x84, 0x1f, ...le16(1234), ...le16(245), 86]), {
    data: {
      packet_type: 'metering_alert',
      lamp_error_alert: true,
      over_current_alert: true,
      under_voltage_alert: true,
      over_voltage_alert: true,
      low_power_factor_alert: true,
      power__W: 1234,
      voltage__V: 245,
      power_factor: 0.86,
    },
    warnings: ['metering_lamp_error', 'metering_over_current', 'metering_under_voltage', 'metering_over_voltage', 'metering_low_power_factor'],
    errors: [],
  });
  assert.equal(decode(61, hex('84025900e50056')).warnings, ['metering_over_current']);
});

notes('unknown notification type and short frames are errors', () => {
  assert.equal(decode(61, [0x90, 0x00]).errors, ['invalid_packet_type: fPort 61 notification type 0x90 is not decoded']);
  assert.equal(decode(61, [0x84]).errors, ['payload too short for fPort 61: need 2 bytes, got 1 (notification header)']);
});

notes.run();

const system = suite('nasys-ul20xx fPort 99 system packets');

system('boot packet with every field (vendor example)', () => {
  assert.equal(decode(99, hex('000D008350010101F37F205E000CFE0104')), {
    data: {
      packet_type: 'boot_packet',
      device_serial: '5083000D',
      firmware_version: '1.1.1',
      device_unix_epoch: '2020-01-16T15:23:31.000Z',
      device_config: 'dali',
      optional_features: { dig_input: true, ldr_input: true, open_drain_output: false, metering: false },
      dali_supply_state__V: 'bus_high',
      dali_power_source_external: 'external',
      dali_addressed_driver_count: 1,
      dali_unaddressed_driver_found: false,
      reset_reason: ['soft_reset'],
    },
    warnings: [],
    errors: [],
  });
});

system('boot packet built from the layout: numeric supply, bus error, unaddressed driver, watchdog', () => {
  const bytes = [0x00, ...le32(0x51123456), 1, 0, 22, ...le32(T_2020_01_16), 7, 0x30, 0x7f, 0x85, 0x03];
  assert.equal(decode(99, bytes), {
    data: {
      packet_type: 'boot_packet',
      device_serial: '51123456',
      firmware_version: '1.0.22',
      device_unix_epoch: '2020-01-16T15:23:31.000Z',
      device_config: 'dali_analog_nc_no',
      optional_features: { dig_input: false, ldr_input: false, open_drain_output: true, metering: true },
      dali_supply_state__V: 'bus_error',
      dali_power_source_external: 'internal',
      dali_addressed_driver_count: 5,
      dali_unaddressed_driver_found: true,
      reset_reason: ['reset_0', 'watchdog_reset'],
    },
    warnings: ['dali_bus_error', 'unadressed_dali_driver_on_bus', 'watchdog_reset'],
    errors: [],
  });
  const noReset = decode(99, [0x00, ...le32(1), 1, 1, 1, ...le32(T_2020_01_16), 3, 0, 0xc5, 0]);
  assert.equal(noReset.errors, []);
  const d = noReset.data as Record<string, unknown>;
  assert.is(d.dali_supply_state__V, 0x45);
  assert.is(d.dali_power_source_external, 'external');
  assert.is(d.device_serial, '00000001');
  assert.is('reset_reason' in d, false);
  assert.is((decode(99, [0x00, ...le32(1), 1, 1, 1, ...le32(T_2020_01_16), 3, 0, 0x75, 0]).data as Record<string, unknown>).dali_supply_state__V, 'invalid_value');
});

system('boot packet: undefined device config is an error; truncated boot packet too', () => {
  const r = decode(99, [0x00, ...le32(1), 1, 1, 1, ...le32(T_2020_01_16), 9, 0, 0x7e, 0]);
  assert.equal(r.errors, ['invalid_device_config: 9']);
  assert.is((r.data as Record<string, unknown>).device_config, 'invalid_config');
  assert.equal(decode(99, [0x00, 1, 2, 3, 4, 1, 1]).errors, ['payload too short for fPort 99: need 8 bytes, got 7 (boot packet)']);
});

system('rejected downlink report', () => {
  assert.equal(decode(99, hex('13320a')), {
    data: { packet_type: 'invalid_downlink_packet', downlink_from_fport: 50, error_reason: 'unsupported_header' },
    warnings: ['downlink_error unsupported_header'],
    errors: [],
  });
  assert.equal(decode(99, [0x13, 60, 0x50]).warnings, ['downlink_error invalid_error_code']);
  assert.equal(decode(99, [0x05]).errors, ['invalid_packet_type: fPort 99 header 0x05 is not decoded']);
});

system('fPorts the device does not use are errors', () => {
  assert.equal(decode(24, [1, 2, 3]), { warnings: [], errors: ['unknown fPort 24 for nasys-ul20xx (expected 23, 26, 60, 61, 99)'] });
});

system.run();
