// NAS UL20xx luminaire controller, firmware 1.1.x: status (23), usage (26), command responses (60),
// notifications (61) and system packets (99). Multi-byte integers are little-endian.
import { defineCodec, type DecodeContext } from './define-codec.js';
import { ByteReader, HEX_UPPER, PayloadError, hexByte, tooLong } from './fields.js';
import { daliStatus, dimmingLevel, dimmingReason, lightLux, nasAddress, unixTime } from './nasys-common.js';
import { encodeNasDownlink } from './nasys-ul20xx-downlink.js';

const DIMMING_SOURCE = 'dimming source entry (address, reason, level, DALI status)';

function statusPacket(r: ByteReader, ctx: DecodeContext): Record<string, unknown> {
  const header = r.u8('status header');
  if (header !== 0x00 && header !== 0x01) {
    throw new PayloadError(`invalid_packet_type: fPort 23 header ${hexByte(header)} is not 0x00 or 0x01`);
  }
  // Header 0x00 is the layout of firmware before 1.1.4.
  const legacy = header === 0x00;
  const data: Record<string, unknown> = { packet_type: 'status_packet' };
  data.device_unix_epoch = unixTime(r.u32le('device time'), ctx);

  const s = r.u8('status byte');
  const status: Record<string, unknown> = {
    dali_connection_error: (s & 0x02) !== 0,
    metering_com_error: (s & 0x20) !== 0,
    ext_rtc_warning: (s & 0x40) !== 0,
    internal_relay_closed: (s & 0x80) !== 0,
  };
  if (status.dali_connection_error) ctx.warnings.push('dali_connection_error');
  if (status.metering_com_error) ctx.warnings.push('metering_com_error');
  if (status.ext_rtc_warning) ctx.warnings.push('ext_rtc_warning');
  if (legacy) {
    status.ldr_input_on = (s & 0x04) !== 0;
    status.dig_input_on = (s & 0x10) !== 0;
  } else {
    const s2 = r.u8('second status byte');
    status.open_drain_output_on = (s2 & 0x04) !== 0;
    status.lumalink_connected = (s2 & 0x40) !== 0;
    status.lumalink_connected_after_boot = (s2 & 0x80) !== 0;
  }
  data.status = status;
  data.downlink_rssi__dBm = -r.u8('downlink RSSI');
  data.downlink_snr__dB = r.i8('downlink SNR');
  data.mcu_temperature__C = r.i8('MCU temperature');

  let alertsPresent = true;
  if (legacy) {
    const flags = r.u8('flags byte');
    status.open_drain_output_on = (flags & 0x04) !== 0;
    alertsPresent = (flags & 0x10) !== 0;
    if ((flags & 0x02) !== 0) data.ldr_input_value = r.u8('LDR input value');
  }
  if (alertsPresent) {
    const a = r.u8('alert byte');
    const alerts = {
      voltage_alert_in_24h: (a & 0x10) !== 0,
      lamp_error_alert_in_24h: (a & 0x20) !== 0,
      power_alert_in_24h: (a & 0x40) !== 0,
      power_factor_alert_in_24h: (a & 0x80) !== 0,
    };
    data.active_alerts = alerts;
    if (alerts.voltage_alert_in_24h) ctx.warnings.push('voltage_alert_in_24h');
    if (alerts.lamp_error_alert_in_24h) ctx.warnings.push('lamp_error_alert_in_24h');
    if (alerts.power_alert_in_24h) ctx.warnings.push('power_alert_in_24h');
    if (alerts.power_factor_alert_in_24h) ctx.warnings.push('power_factor_alert_in_24h');
  }
  if (!legacy) data.sensor_source = sensorSources(r, ctx);

  const sources: Array<Record<string, unknown>> = [];
  while (r.remaining > 0) {
    const address = nasAddress(r.u8(DIMMING_SOURCE), null, ctx);
    const reason = dimmingReason(r.u8(DIMMING_SOURCE), ctx);
    const level = dimmingLevel(r.u8(DIMMING_SOURCE), 'n/a');
    sources.push({ address, reason, dimming_level__percent: level, status: daliStatus(r.u8(DIMMING_SOURCE), address, ctx) });
  }
  data.dimming_source = sources;
  return data;
}

/** Length-prefixed block of `type, value` sensor readings (header 0x01 only). */
function sensorSources(r: ByteReader, ctx: DecodeContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const end = r.pos + r.u8('sensor source length') + 1;
  while (r.pos < end) {
    const type = r.u8('sensor source type');
    switch (type) {
      case 0x01:
        out.ldr_input = r.u8('LDR input');
        break;
      case 0x02:
        out.light_sensor__lx = lightLux(r.u16le('light sensor'));
        break;
      case 0x03:
        out.d4i_light_sensor__lx = lightLux(r.u16le('D4i light sensor'));
        break;
      case 0x04:
        out.dig_input_1_on = (r.u8('digital input') & 1) === 1;
        break;
      case 0x08: {
        const deg = r.u8('tilt sensor');
        out.tilt_sensor__deg = deg === 0xff ? null : deg;
        break;
      }
      default:
        // Later firmware adds types. The block's length is known, so its rest is skipped and the
        // dimming sources after it still parse; a warning (the reference decoder's word for it,
        // plus the type) keeps the street light's status reaching the hub.
        ctx.warnings.push(`unsupported_sensor_source ${hexByte(type)}: the rest of the sensor source block was skipped`);
        r.skip(end - r.pos, 'sensor source block');
    }
  }
  if (r.pos > end) ctx.errors.push('error_decoding_sensor_source: an entry runs past the declared block length');
  return out;
}

const USAGE_ENTRY = 'usage entry';

function usagePacket(r: ByteReader, ctx: DecodeContext): Record<string, unknown> {
  const header = r.u8('usage header');
  if (header !== 0x00) throw new PayloadError(`invalid_packet_type: fPort 26 header ${hexByte(header)} is not 0x00`);
  const consumption: Array<Record<string, unknown>> = [];
  while (r.remaining > 0) {
    const entry: Record<string, unknown> = { address: nasAddress(r.u8(USAGE_ENTRY), 'internal_measurement', ctx) };
    const mask = r.u8(USAGE_ENTRY);
    if (mask & 0x01) entry.active_energy__Wh = r.u32le(USAGE_ENTRY);
    if (mask & 0x02) entry.active_power__W = r.u16le(USAGE_ENTRY);
    if (mask & 0x04) entry.load_side_energy__Wh = r.u32le(USAGE_ENTRY);
    if (mask & 0x08) entry.load_side_power__W = r.u16le(USAGE_ENTRY);
    if (mask & 0x10) {
      const pf = r.u8(USAGE_ENTRY);
      entry.power_factor = pf === 0xff ? 'unknown' : pf / 100.0;
    }
    if (mask & 0x20) entry.mains_voltage__V = r.u8(USAGE_ENTRY);
    if (mask & 0x40) entry.driver_operating_time__h = Math.round(r.u32le(USAGE_ENTRY) / 3600);
    if (mask & 0x80) entry.lamp_on_time__h = Math.round((r.u32le(USAGE_ENTRY) / 3600) * 10) / 10;
    consumption.push(entry);
  }
  return { packet_type: 'usage_packet', consumption };
}

function commandResponse(r: ByteReader, ctx: DecodeContext): Record<string, unknown> {
  const command = r.u8('command header');
  if (command !== 0x01) throw new PayloadError(`unsupported fPort 60 command ${hexByte(command)} (only 0x01 manual dimming is decoded)`);
  const destination: Array<Record<string, unknown>> = [];
  while (r.remaining > 0) {
    const address = nasAddress(r.u8('dimming entry (address, level)'), 'all_devices', ctx);
    destination.push({ address, dimming_level__percent: dimmingLevel(r.u8('dimming entry (address, level)'), 'resume') });
  }
  return { packet_type: 'manual_dimming', destination };
}

function notification(r: ByteReader, ctx: DecodeContext): Record<string, unknown> {
  const type = r.u8('notification type');
  const b1 = r.u8('notification header');
  const length = b1 >> 4;
  switch (type) {
    case 0x80: {
      const data: Record<string, unknown> = { packet_type: 'dig_input_notification' };
      if (length === 2) {
        data.dig_input_event_counter = r.u16le('event counter');
      } else if (length === 4) {
        data.dig_input_on = (b1 & 1) === 1;
        data.dig_input_event_counter = r.u32le('event counter');
      } else {
        throw new PayloadError(`invalid_packet_length: digital input notification declares ${length} bytes, expected 2 or 4`);
      }
      return data;
    }
    case 0x81: {
      if (length !== 2) throw new PayloadError(`invalid_packet_length: LDR notification declares ${length} bytes, expected 2`);
      const on = (r.u8('LDR state') & 1) === 1;
      return { packet_type: 'ldr_input_notification', ldr_input_on: on, ldr_input_value: r.u8('LDR value') };
    }
    case 0x83: {
      const drivers: Array<Record<string, unknown>> = [];
      while (r.remaining > 0) {
        const address = nasAddress(r.u8('driver entry (address, DALI status)'), null, ctx);
        drivers.push({ address, status: daliStatus(r.u8('driver entry (address, DALI status)'), address, ctx) });
      }
      return { packet_type: 'dali_driver_alert', drivers };
    }
    case 0x84: {
      const data: Record<string, unknown> = {
        packet_type: 'metering_alert',
        lamp_error_alert: (b1 & 0x01) !== 0,
        over_current_alert: (b1 & 0x02) !== 0,
        under_voltage_alert: (b1 & 0x04) !== 0,
        over_voltage_alert: (b1 & 0x08) !== 0,
        low_power_factor_alert: (b1 & 0x10) !== 0,
      };
      if (data.lamp_error_alert) ctx.warnings.push('metering_lamp_error');
      if (data.over_current_alert) ctx.warnings.push('metering_over_current');
      if (data.under_voltage_alert) ctx.warnings.push('metering_under_voltage');
      if (data.over_voltage_alert) ctx.warnings.push('metering_over_voltage');
      if (data.low_power_factor_alert) ctx.warnings.push('metering_low_power_factor');
      data.power__W = r.u16le('power');
      data.voltage__V = r.u16le('voltage');
      data.power_factor = r.u8('power factor') / 100;
      return data;
    }
    default:
      throw new PayloadError(`invalid_packet_type: fPort 61 notification type ${hexByte(type)} is not decoded`);
  }
}

const DEVICE_CONFIGS = ['dali', 'dali_nc', 'dali_no', 'analog_nc', 'analog_no', 'dali_analog_nc', 'dali_analog_no', 'dali_analog_nc_no'];
const RESET_REASONS = ['reset_0', 'watchdog_reset', 'soft_reset', 'reset_3', 'reset_4', 'reset_5', 'reset_6', 'reset_7'];
const BOOT = 'boot packet';

function bootPacket(r: ByteReader, ctx: DecodeContext): Record<string, unknown> {
  const serial = r.u32le(BOOT);
  const data: Record<string, unknown> = {
    packet_type: 'boot_packet',
    device_serial: HEX_UPPER[serial >>> 24] + HEX_UPPER[(serial >> 16) & 0xff] + HEX_UPPER[(serial >> 8) & 0xff] + HEX_UPPER[serial & 0xff],
  };
  data.firmware_version = r.u8(BOOT) + '.' + r.u8(BOOT) + '.' + r.u8(BOOT);
  data.device_unix_epoch = unixTime(r.u32le(BOOT), ctx);
  const config = r.u8(BOOT);
  if (config < DEVICE_CONFIGS.length) {
    data.device_config = DEVICE_CONFIGS[config];
  } else {
    ctx.errors.push(`invalid_device_config: ${config}`);
    data.device_config = 'invalid_config';
  }
  const features = r.u8(BOOT);
  data.optional_features = {
    dig_input: (features & 0x04) !== 0,
    ldr_input: (features & 0x08) !== 0,
    open_drain_output: (features & 0x10) !== 0,
    metering: (features & 0x20) !== 0,
  };
  const dali = r.u8(BOOT);
  const supply = dali & 0x7f;
  if (supply < 0x70) data.dali_supply_state__V = supply;
  else if (supply === 0x7e) data.dali_supply_state__V = 'bus_high';
  else if (supply === 0x7f) {
    ctx.warnings.push('dali_bus_error');
    data.dali_supply_state__V = 'bus_error';
  } else data.dali_supply_state__V = 'invalid_value';
  data.dali_power_source_external = (dali & 0x80) !== 0 ? 'external' : 'internal';
  const drivers = r.u8(BOOT);
  data.dali_addressed_driver_count = drivers & 0x7f;
  data.dali_unaddressed_driver_found = (drivers & 0x80) !== 0;
  // Spelling as in the vendor decoder, so hubs matching on it keep working.
  if (data.dali_unaddressed_driver_found) ctx.warnings.push('unadressed_dali_driver_on_bus');
  if (r.remaining > 0) {
    const reasons = r.u8(BOOT);
    const list: string[] = [];
    for (let bit = 0; bit < 8; bit++) if ((reasons >> bit) & 1) list.push(RESET_REASONS[bit]);
    if ((reasons & 0x02) !== 0) ctx.warnings.push('watchdog_reset');
    data.reset_reason = list;
  }
  return data;
}

const DOWNLINK_ERRORS: Record<number, string> = {
  0x00: 'n/a',
  0x01: 'n/a',
  0x02: 'unknown_fport',
  0x03: 'packet_size_short',
  0x04: 'packet_size_long',
  0x05: 'value_error',
  0x06: 'protocol_parse_error',
  0x07: 'reserved_flag_set',
  0x08: 'invalid_flag_combination',
  0x09: 'unavailable_feature_request',
  0x0a: 'unsupported_header',
  0x0b: 'unreachable_hw_request',
  0x0c: 'address_not_available',
  0x0d: 'internal_error',
  0x0e: 'packet_size_error',
  0x81: 'profile_id_seq_error',
  0x82: 'profile_destination_eror',
  0x83: 'profile_days_error',
  0x84: 'profile_step_count_error',
  0x85: 'profile_step_value_error',
  0x86: 'profile_step_unsorted_error',
};

function systemPacket(r: ByteReader, ctx: DecodeContext): Record<string, unknown> {
  const header = r.u8('system packet header');
  if (header === 0x00) return bootPacket(r, ctx);
  if (header === 0x13) {
    const port = r.u8('rejected downlink fPort');
    const reason = DOWNLINK_ERRORS[r.u8('error code')] ?? 'invalid_error_code';
    ctx.warnings.push('downlink_error ' + reason);
    return { packet_type: 'invalid_downlink_packet', downlink_from_fport: port, error_reason: reason };
  }
  throw new PayloadError(`invalid_packet_type: fPort 99 header ${hexByte(header)} is not decoded`);
}

function decode(bytes: number[], ctx: DecodeContext): Record<string, unknown> {
  const r = new ByteReader(bytes, ctx.fPort);
  let data: Record<string, unknown>;
  switch (ctx.fPort) {
    case 23:
      data = statusPacket(r, ctx);
      break;
    case 26:
      data = usagePacket(r, ctx);
      break;
    case 60:
      data = commandResponse(r, ctx);
      break;
    case 61:
      data = notification(r, ctx);
      break;
    default:
      data = systemPacket(r, ctx);
  }
  if (r.remaining > 0) throw tooLong(ctx.fPort, r.remaining);
  return data;
}

export const nasysUl20xx = defineCodec({
  id: 'nasys-ul20xx',
  vendor: 'NAS (Nordic Automation Systems)',
  model: 'UL20xx luminaire controller, FW 1.1.x',
  category: 'streetlight',
  // Mains-powered and kept listening so dimming commands and multicast groups reach it at once.
  deviceClass: 'C',
  fPorts: [23, 26, 60, 61, 99],
  description: 'Street-light controller for DALI or 0-10 V drivers reporting lamp status, dimming reasons, energy metering and alerts.',
  decode,
  encodeDownlink: encodeNasDownlink,
});
