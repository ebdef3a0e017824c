// LoRa data-rate identifiers as written in rxpk/txpk `datr`, for example "SF7BW125".
// The bandwidth part is kHz truncated to an integer, so the 2.4 GHz rates appear as BW203 etc.

const BANDWIDTH_HZ_BY_LABEL: ReadonlyMap<string, number> = new Map([
  ['125', 125_000],
  ['250', 250_000],
  ['500', 500_000],
  ['203', 203_125],
  ['406', 406_250],
  ['812', 812_500],
  ['1625', 1_625_000],
]);

const LABEL_BY_BANDWIDTH_HZ: ReadonlyMap<number, string> = new Map(
  [...BANDWIDTH_HZ_BY_LABEL].map(([label, hz]) => [hz, label]),
);

/** SF5 and SF6 exist on SX1302/SX1303 and the 2.4 GHz chips. */
const MIN_SF = 5;
const MAX_SF = 12;

export interface LoraDatarate {
  spreadingFactor: number;
  /** Hz. */
  bandwidth: number;
}

export function parseLoraDatr(datr: string): LoraDatarate | undefined {
  const m = /^SF(\d{1,2})BW(\d{3,4})$/.exec(datr);
  if (!m) return undefined;
  const spreadingFactor = Number(m[1]);
  const bandwidth = BANDWIDTH_HZ_BY_LABEL.get(m[2]);
  if (bandwidth === undefined || spreadingFactor < MIN_SF || spreadingFactor > MAX_SF) return undefined;
  return { spreadingFactor, bandwidth };
}

export function formatLoraDatr(spreadingFactor: number, bandwidthHz: number): string {
  const label = LABEL_BY_BANDWIDTH_HZ.get(bandwidthHz);
  if (label === undefined) throw new RangeError(`no datr label for LoRa bandwidth ${bandwidthHz} Hz`);
  if (!Number.isInteger(spreadingFactor) || spreadingFactor < MIN_SF || spreadingFactor > MAX_SF) {
    throw new RangeError(`spreading factor must be ${MIN_SF}..${MAX_SF}, got ${spreadingFactor}`);
  }
  return `SF${spreadingFactor}BW${label}`;
}
