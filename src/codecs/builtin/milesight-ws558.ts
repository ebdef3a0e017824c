// Milesight WS558 smart light controller (8 relay switches plus metering), fPort 85.
import { channel, channelDecoder } from './milesight-channels.js';
import { defineCodec } from './define-codec.js';
import { u16le, u32le } from './fields.js';

const SWITCH_KEYS = ['switch_1', 'switch_2', 'switch_3', 'switch_4', 'switch_5', 'switch_6', 'switch_7', 'switch_8'];

export const milesightWs558 = defineCodec({
  id: 'milesight-ws558',
  vendor: 'Milesight',
  model: 'WS558',
  category: 'streetlight',
  // Mains-powered relay controller that must react to switching downlinks without waiting for an uplink.
  deviceClass: 'C',
  fPorts: [85],
  description: 'Eight-circuit LoRaWAN light controller reporting mains voltage, power, energy, current and relay states.',
  decode: channelDecoder([
    channel(0x03, 0x74, 2, (b, i, o) => {
      o.voltage = u16le(b, i) / 10;
    }),
    channel(0x04, 0x80, 4, (b, i, o) => {
      o.active_power = u32le(b, i);
    }),
    channel(0x05, 0x81, 1, (b, i, o) => {
      o.power_factor = b[i];
    }),
    channel(0x06, 0x83, 4, (b, i, o) => {
      o.power_consumption = u32le(b, i);
    }),
    channel(0x07, 0xc9, 2, (b, i, o) => {
      o.total_current = u16le(b, i);
    }),
    // First byte is the "changed" mask (not reported), second the on/off state of switches 1..8.
    channel(0x08, 0x31, 2, (b, i, o) => {
      const state = b[i + 1];
      for (let n = 0; n < 8; n++) o[SWITCH_KEYS[n]] = ((state >> n) & 1) === 1 ? 'on' : 'off';
    }),
  ]),
});
