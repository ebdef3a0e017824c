// Milesight AM307 indoor ambience monitor (7-in-1), fPort 85.
import { channelDecoder } from './milesight-channels.js';
import { am300Channels } from './milesight-am300.js';
import { defineCodec } from './define-codec.js';

export const milesightAm307 = defineCodec({
  id: 'milesight-am307',
  vendor: 'Milesight',
  model: 'AM307',
  category: 'air',
  fPorts: [85],
  description: 'Indoor air-quality monitor with temperature, humidity, motion, light, CO2, TVOC and barometric pressure.',
  decode: channelDecoder(am300Channels({ pir: 'pir', pm2_5: 'pm2_5' })),
});
