// Turns an AT dialect into its serial driver registry entry: the one-channel keys every AT modem
// takes, checked against what that modem can receive with, and the shared AT engine as session.
import { z } from 'zod';
import { defineSerialDriver } from '../serial-driver.js';
import type { AtDialect } from './dialect.js';
import { atModemDriver } from './driver.js';

/** The sub-GHz range any of these modems could tune to; a value outside it is a unit mistake (MHz, kHz). */
const SUB_GHZ_HZ = { low: 137_000_000, high: 1_020_000_000 };

export function atModemDefinition<const Name extends string>(dialect: AtDialect<Name>) {
  // The config must name the one channel the modem listens on: nothing about it is a safe guess.
  const required = { error: (issue: { input?: unknown }) => (issue.input === undefined ? `required for the ${dialect.name} driver (the one channel it listens on)` : undefined) };
  const settings = z
    .object({
      /** Receive frequency, Hz. */
      frequency: z.number(required),
      spreadingFactor: z.number(required),
      /** Hz. */
      bandwidth: z.number(required),
    })
    .superRefine(({ frequency, spreadingFactor, bandwidth }, ctx) => {
      if (!Number.isInteger(frequency) || frequency < SUB_GHZ_HZ.low || frequency > SUB_GHZ_HZ.high) {
        ctx.addIssue({ code: 'custom', path: ['frequency'], message: `frequency ${frequency} is not a sub-GHz frequency in Hz (for example 868100000)` });
      }
      if (!dialect.spreadingFactors.includes(spreadingFactor)) {
        const message = `${dialect.name} supports spreading factors ${dialect.spreadingFactors.join(', ')}, not ${spreadingFactor}`;
        ctx.addIssue({ code: 'custom', path: ['spreadingFactor'], message });
      }
      if (!dialect.bandwidths.includes(bandwidth)) {
        ctx.addIssue({ code: 'custom', path: ['bandwidth'], message: `${dialect.name} supports bandwidths ${dialect.bandwidths.join(', ')} Hz, not ${bandwidth}` });
      }
    });
  return defineSerialDriver({
    name: dialect.name,
    hardware: dialect.hardware,
    defaultBaudRate: dialect.defaultBaudRate,
    bands: ['eu868'],
    settings,
    codeDefaults: { spreadingFactor: 7, bandwidth: 125_000 },
    templateExample: [
      { key: 'frequency', value: '868100000', note: 'Hz' },
      { key: 'spreadingFactor', value: '7' },
      { key: 'bandwidth', value: '125000', note: 'Hz' },
    ],
    create: (radio, { baudRate, tuning }) =>
      atModemDriver({ dialect, settings: radio, commandTimeoutMs: tuning.commandTimeoutMs, baudRate, txPrepareMs: tuning.txPrepareMs }),
  });
}
