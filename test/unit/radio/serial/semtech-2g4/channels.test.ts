import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SerialConfigError } from '../../../../../src/radio/serial/errors.js';
import { resolveChannels } from '../../../../../src/radio/serial/semtech-2g4/channels.js';

test('without configuration: the ISM2400 channels 2403/2425/2479 MHz, SF12, BW 812.5 kHz (code 12)', () => {
  const channels = resolveChannels(undefined);
  assert.equal(
    channels.map((c) => [c.radio, c.frequency, c.spreadingFactor, c.bandwidth, c.bandwidthCode, c.rssiOffset]),
    [
      [0, 2_403_000_000, 12, 812_500, 12, 0],
      [1, 2_425_000_000, 12, 812_500, 12, 0],
      [2, 2_479_000_000, 12, 812_500, 12, 0],
    ],
  );
});

test('nominal bandwidths map to the real SX1280 ones; radio index follows the list order', () => {
  const channels = resolveChannels([
    { frequency: 2_420_000_000, spreadingFactor: 7, bandwidth: 400_000, rssiOffset: -3 },
    { frequency: 2_430_000_000, spreadingFactor: 5, bandwidth: 1_625_000 },
  ]);
  assert.equal(
    channels.map((c) => [c.radio, c.bandwidth, c.bandwidthCode, c.spreadingFactor, c.rssiOffset]),
    [
      [0, 406_250, 10, 7, -3],
      [1, 1_625_000, 13, 5, 0],
    ],
  );
});

test('settings the 2.4 GHz MCU cannot use are refused with the reason', () => {
  const refuse = (channels: Parameters<typeof resolveChannels>[0], pattern: RegExp): void =>
    assert.throws(() => resolveChannels(channels), (error: Error) => error instanceof SerialConfigError && pattern.test(error.message));
  refuse([{ frequency: 868_100_000 }], /outside the 2400-2500 MHz band/);
  refuse([{ frequency: 2_403_000_000, spreadingFactor: 13 }], /spreading factor 13/);
  refuse([{ frequency: 2_403_000_000, bandwidth: 125_000 }], /bandwidth 125000 Hz/);
  refuse(
    [1, 2, 3, 4].map((i) => ({ frequency: 2_400_000_000 + i * 10_000_000 })),
    /3 RX radios, but 4 channels/,
  );
});

test.run();
