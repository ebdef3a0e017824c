// What one serial driver (one wire protocol) declares about itself. The registry lists these; the
// config schema, the config template, check-config and SerialSource are all built from them.
import type { z } from 'zod';
import type { RadioBand } from '../plausibility.js';
import type { DriverSessionFactory } from './session.js';

/** Timing knobs a SerialSource passes through; each driver takes the ones it has (mostly for tests). */
export interface SerialDriverTuning {
  /** Deadline for a command's reply (the drivers' own defaults otherwise). */
  commandTimeoutMs?: number;
  /** semtech-2g4: wait after RESET (default 500 ms, as in the HAL). */
  resetSettleMs?: number;
  /** semtech-2g4: pause after an empty poll (default 10 ms). */
  pollIntervalMs?: number;
  /** semtech-2g4: a timestamped downlink must reach the MCU this long before it is due (default 10 ms). */
  txLeadMs?: number;
  /** AT modems: how long before a downlink is due the modem is switched to transmitting (default 300 ms). */
  txPrepareMs?: number;
}

/** One line of the commented example in the config template. */
export interface TemplateLine {
  key: string;
  value: string;
  note?: string;
}

export interface SerialDriverDefinition<Name extends string = string, Settings extends z.ZodObject = z.ZodObject> {
  /** `driver:` in a `type: serial` source. */
  readonly name: Name;
  /** The hardware it speaks to, in one line. */
  readonly hardware: string;
  readonly defaultBaudRate: number;
  /** Bands its frames can be in; frames outside them are refused as implausible. */
  readonly bands: readonly RadioBand[];
  /**
   * The driver's own keys of a `type: serial` source. The fields give each key's type (the config
   * schema accepts them); the object's refinements hold every check of their values, so
   * check-config and SerialSource report the same problems, with the key that is wrong.
   */
  readonly settings: Settings;
  /**
   * Filled in when a SerialSource is built in code without them (tests, benchmarks, the
   * simulator). A configuration file must still name every key the schema requires.
   */
  readonly codeDefaults?: Partial<z.input<Settings>>;
  /** The driver's keys in the commented example of the config template. */
  readonly templateExample: readonly TemplateLine[];
  /** The session factory for settings that passed `settings`. */
  create(settings: z.output<Settings>, context: { baudRate: number; tuning: SerialDriverTuning }): DriverSessionFactory;
}

/** Keeps the name literal and the settings type tied to `create`. */
export function defineSerialDriver<const Name extends string, Settings extends z.ZodObject>(
  definition: SerialDriverDefinition<Name, Settings>,
): SerialDriverDefinition<Name, Settings> {
  return definition;
}
