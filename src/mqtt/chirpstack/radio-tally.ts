// The radio counts of one gw.GatewayStats interval, as ChirpStack Concentratord reports them: frames
// received (and with a good CRC) and downlinks asked for and emitted, each per frequency and per
// modulation, transmissions per TX status. take() hands them over and starts the next interval:
// ChirpStack adds up the messages it receives, so each one carries only what happened since the last.
import type { TxRequest, TxStatus } from '../../radio/downlink.js';
import type { RadioFrame } from '../../radio/radio-frame.js';
import type { TransmitPath } from '../../downlink/transmit-gate.js';

/** The modulation fields a frame and a transmission share (RadioFrame and TxRequest fit). */
export type ModulationFields = Pick<RadioFrame, 'modulation' | 'spreadingFactor' | 'bandwidth' | 'codeRate' | 'fskDatarate'>;

export interface ModulationCount {
  modulation: ModulationFields;
  count: number;
}

export interface IntervalCounts {
  rxReceived: number;
  rxReceivedOk: number;
  /** Downlinks handed to the gateway for transmission (whatever became of them). */
  txReceived: number;
  txEmitted: number;
  rxPerFrequency: Map<number, number>;
  txPerFrequency: Map<number, number>;
  rxPerModulation: ModulationCount[];
  txPerModulation: ModulationCount[];
  txPerStatus: Record<string, number>;
}

/** Distinct modulations kept per interval: a gateway uses a handful; junk must not grow this. */
const MAX_MODULATIONS = 64;
const MAX_FREQUENCIES = 256;

/** Whether two frames or transmissions were sent with the same modulation parameters. */
export function sameModulation(a: ModulationFields, b: ModulationFields): boolean {
  return a.modulation === 'LORA'
    ? b.modulation === 'LORA' && a.spreadingFactor === b.spreadingFactor && a.bandwidth === b.bandwidth && (a.codeRate ?? '') === (b.codeRate ?? '')
    : b.modulation === a.modulation && a.fskDatarate === b.fskDatarate;
}

class Interval {
  rxReceived = 0;
  rxReceivedOk = 0;
  txReceived = 0;
  txEmitted = 0;
  readonly rxPerFrequency = new Map<number, number>();
  readonly txPerFrequency = new Map<number, number>();
  // Arrays searched in turn rather than Maps keyed by a string built per frame: a gateway hears a
  // handful of modulations, and the key was most of what counting a frame allocated.
  readonly rxPerModulation: ModulationCount[] = [];
  readonly txPerModulation: ModulationCount[] = [];
  readonly txPerStatus: Record<string, number> = {};
}

function bump<K>(map: Map<K, number>, key: K, limit: number): void {
  const n = map.get(key);
  if (n !== undefined) map.set(key, n + 1);
  else if (map.size < limit) map.set(key, 1);
}

function bumpModulation(counts: ModulationCount[], m: ModulationFields): void {
  for (const entry of counts) {
    if (sameModulation(entry.modulation, m)) {
      entry.count += 1;
      return;
    }
  }
  if (counts.length < MAX_MODULATIONS) {
    const { modulation, spreadingFactor, bandwidth, codeRate, fskDatarate } = m;
    counts.push({ modulation: { modulation, spreadingFactor, bandwidth, codeRate, fskDatarate }, count: 1 });
  }
}

export class RadioTally {
  private current = new Interval();

  /** Every frame a radio source delivers, before any filter (Concentratord counts what it hears). */
  rx(frame: Pick<RadioFrame, 'frequency' | 'crc'> & ModulationFields): void {
    const c = this.current;
    c.rxReceived += 1;
    if (frame.crc === 'ok') c.rxReceivedOk += 1;
    bump(c.rxPerFrequency, frame.frequency, MAX_FREQUENCIES);
    bumpModulation(c.rxPerModulation, frame);
  }

  /** One transmission and its outcome; only an OK one was emitted. */
  tx(request: Pick<TxRequest, 'frequency'> & ModulationFields, status: TxStatus): void {
    const c = this.current;
    c.txReceived += 1;
    c.txPerStatus[status] = (c.txPerStatus[status] ?? 0) + 1;
    if (status !== 'OK') return;
    c.txEmitted += 1;
    bump(c.txPerFrequency, request.frequency, MAX_FREQUENCIES);
    bumpModulation(c.txPerModulation, request);
  }

  /** The counts since the previous take(), and a fresh interval. */
  take(): IntervalCounts {
    const c = this.current;
    this.current = new Interval();
    return {
      rxReceived: c.rxReceived,
      rxReceivedOk: c.rxReceivedOk,
      txReceived: c.txReceived,
      txEmitted: c.txEmitted,
      rxPerFrequency: c.rxPerFrequency,
      txPerFrequency: c.txPerFrequency,
      rxPerModulation: c.rxPerModulation,
      txPerModulation: c.txPerModulation,
      txPerStatus: { ...c.txPerStatus },
    };
  }
}

/** The same transmit path, each transmission counted in `tally` with its status. */
export function countingTransmissions(gate: TransmitPath, tally: RadioTally): TransmitPath {
  return {
    send: async (sourceIndex, request) => {
      const status = await gate.send(sourceIndex, request);
      tally.tx(request, status);
      return status;
    },
    defaultSourceIndex: () => gate.defaultSourceIndex(),
  };
}
