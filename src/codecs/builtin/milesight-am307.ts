// Milesight AM307 indoor ambience monitor (7-in-1), fPort 85.
import { channelDecoder } from './milesight-channels.js';
import { am300Channels } from './milesight-am300.js';
import { defineCodec } from './define-codec.js';

export const milesightAm307 = defineCodec({
  id: 'milesight-am307',
  vendor: 'Milesight',
  model: 'AM307',
  category: 'air',
  deviceClass: 'A',
  fPorts: [85],
  description: 'Indoor air-quality monitor with temperature, humidity, motion, light, CO2, TVOC and barometric pressure.',
  // The second frame comes from newer firmware, which adds an activity channel (05 6a) this codec
  // does not decode: the other readings must still come through.
  examples: [
    {
      description: 'Battery, temperature, humidity and CO2',
      input: { fPort: 85, bytes: [0x01, 0x75, 0x5c, 0x03, 0x67, 0x0f, 0x01, 0x04, 0x68, 0x7b, 0x07, 0x7d, 0xe7, 0x04] },
      output: { data: { battery: 92, temperature: 27.1, humidity: 61.5, co2: 1255 } },
    },
    {
      description: 'Newer firmware adds channel 05 6a',
      input: { fPort: 85, bytes: [0x01, 0x75, 0x5c, 0x03, 0x67, 0x0f, 0x01, 0x05, 0x6a, 0x03, 0x00, 0x07, 0x7d, 0xe7, 0x04] },
      output: {
        data: { battery: 92, temperature: 27.1, co2: 1255 },
        warnings: ['skipped unknown channel 05 6a at offset 7 (2-byte value, newer firmware?)'],
      },
    },
  ],
  decode: channelDecoder(am300Channels({ pir: 'pir', pm2_5: 'pm2_5' })),
});
