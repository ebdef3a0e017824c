// Milesight AM319 indoor ambience monitor (9-in-1), fPort 85.
import { channelDecoder } from './milesight-channels.js';
import { am300Channels } from './milesight-am300.js';
import { defineCodec } from './define-codec.js';

export const milesightAm319 = defineCodec({
  id: 'milesight-am319',
  vendor: 'Milesight',
  model: 'AM319',
  category: 'air',
  deviceClass: 'A',
  fPorts: [85],
  description: 'Indoor air-quality monitor adding particulate matter and formaldehyde or ozone to the AM307 readings.',
  // The AM319 reference decoder names PIR `activity` and PM2.5 `pm2.5`.
  decode: channelDecoder(am300Channels({ pir: 'activity', pm2_5: 'pm2.5' })),
});
