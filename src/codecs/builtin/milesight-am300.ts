// Channel table shared by the Milesight AM300 family (AM307, AM319): the models differ only in
// the key names their reference decoders use for the PIR reading and PM2.5.
import { channel, type ChannelSpec } from './milesight-channels.js';
import { i16le, u16le } from './fields.js';

export interface Am300KeyNames {
  pir: string;
  pm2_5: string;
}

export function am300Channels(names: Am300KeyNames): ChannelSpec[] {
  const pirKey = names.pir;
  const pm25Key = names.pm2_5;
  return [
    channel(0x01, 0x75, 1, (b, i, o) => {
      o.battery = b[i];
    }),
    channel(0x03, 0x67, 2, (b, i, o) => {
      o.temperature = i16le(b, i) / 10;
    }),
    channel(0x04, 0x68, 1, (b, i, o) => {
      o.humidity = b[i] / 2;
    }),
    channel(0x05, 0x00, 1, (b, i, o) => {
      o[pirKey] = b[i] === 1 ? 'trigger' : 'idle';
    }),
    channel(0x06, 0xcb, 1, (b, i, o) => {
      o.light_level = b[i];
    }),
    channel(0x07, 0x7d, 2, (b, i, o) => {
      o.co2 = u16le(b, i);
    }),
    channel(0x08, 0x7d, 2, (b, i, o) => {
      o.tvoc = u16le(b, i);
    }),
    channel(0x09, 0x73, 2, (b, i, o) => {
      o.pressure = u16le(b, i) / 10;
    }),
    channel(0x0a, 0x7d, 2, (b, i, o) => {
      o.hcho = u16le(b, i) / 100;
    }),
    channel(0x0b, 0x7d, 2, (b, i, o) => {
      o[pm25Key] = u16le(b, i);
    }),
    channel(0x0c, 0x7d, 2, (b, i, o) => {
      o.pm10 = u16le(b, i);
    }),
    channel(0x0d, 0x7d, 2, (b, i, o) => {
      o.o3 = u16le(b, i) / 100;
    }),
    channel(0x0e, 0x01, 1, (b, i, o) => {
      o.beep = b[i] === 1 ? 'yes' : 'no';
    }),
  ];
}
