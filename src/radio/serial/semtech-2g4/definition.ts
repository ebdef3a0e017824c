// The semtech-2g4 entry of the serial driver registry: its keys (the channel list) with their
// checks, and how its session is built.
import { z } from 'zod';
import { defineSerialDriver } from '../serial-driver.js';
import { channelProblems, resolveChannels } from './channels.js';
import { semtech2g4Driver } from './driver.js';
import { EXPECTED_FIRMWARE } from './messages.js';

const channel = z.strictObject({
  /** Centre frequency, Hz (2400-2500 MHz). */
  frequency: z.number(),
  spreadingFactor: z.number().optional(),
  /** Hz; the nominal 200000/400000/800000/1600000 are accepted too. */
  bandwidth: z.number().optional(),
  /** dB added to the RSSI the receiver reports (board calibration). */
  rssiOffset: z.number().optional(),
});

const settings = z
  .object({
    /** One entry per RX radio, in order; absent or empty means the ISM2400 channels. */
    channels: z.array(channel).optional(),
  })
  .superRefine(({ channels }, ctx) => {
    for (const problem of channelProblems(channels ?? [])) ctx.addIssue({ code: 'custom', path: ['channels', ...problem.path], message: problem.message });
  });

export const semtech2g4Definition = defineSerialDriver({
  name: 'semtech-2g4',
  hardware: `Semtech LoRa 2.4 GHz gateway MCU (firmware ${EXPECTED_FIRMWARE}), up to 3 channels`,
  defaultBaudRate: 115200,
  bands: ['ism2400'],
  settings,
  templateExample: [
    { key: 'channels', value: '[{ frequency: 2403000000, spreadingFactor: 12, bandwidth: 812500 }]', note: 'up to 3; default 2403/2425/2479 MHz' },
  ],
  create: ({ channels }, { tuning }) =>
    semtech2g4Driver({
      channels: resolveChannels(channels),
      commandTimeoutMs: tuning.commandTimeoutMs,
      resetSettleMs: tuning.resetSettleMs,
      pollIntervalMs: tuning.pollIntervalMs,
      txLeadMs: tuning.txLeadMs,
    }),
});
