// Message codecs of the Semtech LoRa 2.4 GHz gateway MCU protocol (gateway_2g4_hal, loragw_mcu.h).
// Pure functions over frame payloads (the 4-byte header is the framer's job). All multi-byte
// fields are big-endian. Both directions are here: the driver encodes requests and decodes acks,
// the device simulator does the opposite.
import { MalformedMessageError } from '../errors.js';

export const ORDER = {
  PING: 0x00,
  CONFIG_RX: 0x01,
  PREPARE_TX: 0x02,
  GET_STATUS: 0x03,
  BOOTLOADER_MODE: 0x04,
  GET_RX_MSG: 0x05,
  GET_TX_STATUS: 0x06,
  RESET: 0x07,
  SET_COEF_TEMP_RSSI: 0x08,
  READ_REGS: 0x09,
  WRITE_REGS: 0x0a,
  EVT_TX_STATUS: 0x80,
  EVT_MSG_RECEIVE: 0x81,
  UNKNOWN_COMMAND: 0xff,
} as const;

/** An ack's order is its request's order plus this. */
export const ACK_OFFSET = 0x40;
export const REQUEST_ORDERS: readonly number[] = Array.from({ length: ORDER.WRITE_REGS + 1 }, (_, order) => order);
export const ACK_ORDERS: readonly number[] = REQUEST_ORDERS.map((order) => order + ACK_OFFSET);
export const EVENT_ORDERS: readonly number[] = [ORDER.EVT_TX_STATUS, ORDER.EVT_MSG_RECEIVE];

export function ackOrderFor(requestOrder: number): number {
  return requestOrder + ACK_OFFSET;
}

const ORDER_NAMES: Record<number, string> = {
  [ORDER.PING]: 'PING',
  [ORDER.CONFIG_RX]: 'CONFIG_RX',
  [ORDER.PREPARE_TX]: 'PREPARE_TX',
  [ORDER.GET_STATUS]: 'GET_STATUS',
  [ORDER.BOOTLOADER_MODE]: 'BOOTLOADER_MODE',
  [ORDER.GET_RX_MSG]: 'GET_RX_MSG',
  [ORDER.GET_TX_STATUS]: 'GET_TX_STATUS',
  [ORDER.RESET]: 'RESET',
  [ORDER.SET_COEF_TEMP_RSSI]: 'SET_COEF_TEMP_RSSI',
  [ORDER.READ_REGS]: 'READ_REGS',
  [ORDER.WRITE_REGS]: 'WRITE_REGS',
  [ORDER.EVT_TX_STATUS]: 'EVT_TX_STATUS',
  [ORDER.EVT_MSG_RECEIVE]: 'EVT_MSG_RECEIVE',
  [ORDER.UNKNOWN_COMMAND]: 'UNKNOWN_COMMAND',
};

/** Readable name of an order byte, for logs and errors (acks become `PING_ACK` and so on). */
export function orderName(order: number): string {
  const direct = ORDER_NAMES[order];
  if (direct) return direct;
  const request = ORDER_NAMES[order - ACK_OFFSET];
  if (request && order >= ACK_OFFSET && order <= ACK_OFFSET + ORDER.WRITE_REGS) return `${request}_ACK`;
  return `0x${order.toString(16).padStart(2, '0')}`;
}

function expectLength(payload: Buffer, length: number, what: string): void {
  if (payload.length !== length) throw new MalformedMessageError(`${what} must be ${length} bytes, got ${payload.length}`);
}

// ---- PING -----------------------------------------------------------------------------------

export const PING_ACK_SIZE = 23;
const VERSION_FIELD_SIZE = 9;

export interface PingAck {
  /** The MCU's 96-bit unique id as three u32 words, most significant first. */
  uniqueId: [number, number, number];
  /** As sent, for example `V01.00.01` (trailing NULs removed). */
  version: string;
  txRadios: number;
  rxRadios: number;
}

export function decodePingAck(payload: Buffer): PingAck {
  expectLength(payload, PING_ACK_SIZE, 'PING ack');
  return {
    uniqueId: [payload.readUInt32BE(0), payload.readUInt32BE(4), payload.readUInt32BE(8)],
    version: payload.toString('latin1', 12, 12 + VERSION_FIELD_SIZE).replace(/\0+$/, ''),
    txRadios: payload[21],
    rxRadios: payload[22],
  };
}

export function encodePingAck(ack: PingAck): Buffer {
  const out = Buffer.alloc(PING_ACK_SIZE);
  ack.uniqueId.forEach((word, i) => out.writeUInt32BE(word >>> 0, i * 4));
  out.write(ack.version.slice(0, VERSION_FIELD_SIZE), 12, 'latin1');
  out[21] = ack.txRadios;
  out[22] = ack.rxRadios;
  return out;
}

/** The firmware the host HAL v1.1.0 accepts. */
export const EXPECTED_FIRMWARE = '01.00.01';

/** The HAL ignores the first character of the version (`V`) and compares the rest exactly. */
export function firmwareOf(version: string): string {
  return version.slice(1);
}

// ---- GET_STATUS ----------------------------------------------------------------------------

export const STATUS_ACK_FIXED_SIZE = 17;

export type PpsStatus = 'never-locked' | 'locked' | 'lock-lost';
const PPS_STATUSES: readonly PpsStatus[] = ['never-locked', 'locked', 'lock-lost'];

export interface RadioCrcCounts {
  crcOk: number;
  crcError: number;
}

export interface StatusAck {
  systemTimeMs: number;
  preciseTimeUs: number;
  pps: PpsStatus;
  ppsTimeUs: number;
  /** External sensors report hundredths of a degree; the MCU's own sensor whole degrees. */
  temperature: { source: 'external' | 'mcu'; celsius: number };
  /** One entry per RX radio, counters as the MCU keeps them (u16, they wrap). */
  radios: RadioCrcCounts[];
}

export function decodeStatusAck(payload: Buffer): StatusAck {
  const perRadio = payload.length - STATUS_ACK_FIXED_SIZE;
  if (perRadio < 0 || perRadio % 4 !== 0) {
    throw new MalformedMessageError(`GET_STATUS ack must be ${STATUS_ACK_FIXED_SIZE} + 4 x radios bytes, got ${payload.length}`);
  }
  const ppsByte = payload[8];
  const pps = PPS_STATUSES[ppsByte];
  if (!pps) throw new MalformedMessageError(`GET_STATUS ack has unknown PPS status ${ppsByte}`);
  const external = payload[13] === 1;
  const radios: RadioCrcCounts[] = [];
  for (let offset = STATUS_ACK_FIXED_SIZE; offset < payload.length; offset += 4) {
    radios.push({ crcOk: payload.readUInt16BE(offset), crcError: payload.readUInt16BE(offset + 2) });
  }
  return {
    systemTimeMs: payload.readUInt32BE(0),
    preciseTimeUs: payload.readUInt32BE(4),
    pps,
    ppsTimeUs: payload.readUInt32BE(9),
    temperature: external
      ? { source: 'external', celsius: payload.readInt16BE(14) / 100 }
      : { source: 'mcu', celsius: payload.readInt8(16) },
    radios,
  };
}

export function encodeStatusAck(status: StatusAck): Buffer {
  const out = Buffer.alloc(STATUS_ACK_FIXED_SIZE + 4 * status.radios.length);
  out.writeUInt32BE(status.systemTimeMs >>> 0, 0);
  out.writeUInt32BE(status.preciseTimeUs >>> 0, 4);
  out[8] = PPS_STATUSES.indexOf(status.pps);
  out.writeUInt32BE(status.ppsTimeUs >>> 0, 9);
  if (status.temperature.source === 'external') {
    out[13] = 1;
    out.writeInt16BE(Math.round(status.temperature.celsius * 100), 14);
  } else {
    out.writeInt8(Math.round(status.temperature.celsius), 16);
  }
  status.radios.forEach((radio, i) => {
    out.writeUInt16BE(radio.crcOk & 0xffff, STATUS_ACK_FIXED_SIZE + 4 * i);
    out.writeUInt16BE(radio.crcError & 0xffff, STATUS_ACK_FIXED_SIZE + 4 * i + 2);
  });
  return out;
}

// ---- CONFIG_RX -----------------------------------------------------------------------------

export const CONFIG_RX_REQUEST_SIZE = 11;

/** SX1280 LoRa bandwidth codes the MCU takes, and the real bandwidth each stands for (Hz). */
export const BANDWIDTH_BY_CODE: ReadonlyMap<number, number> = new Map([
  [8, 203_125],
  [10, 406_250],
  [12, 812_500],
  [13, 1_625_000],
]);

export const SYNC_WORD_PUBLIC = 0x21;
export const SYNC_WORD_PRIVATE = 0x12;

export interface ConfigRxRequest {
  radio: number;
  frequency: number;
  preambleLength: number;
  spreadingFactor: number;
  bandwidthCode: number;
  invertIq: boolean;
  syncWord: number;
}

/** The HAL uses 12 preamble symbols for SF5/SF6 and 8 otherwise. */
export function preambleFor(spreadingFactor: number): number {
  return spreadingFactor <= 6 ? 12 : 8;
}

export function encodeConfigRxRequest(request: ConfigRxRequest): Buffer {
  const out = Buffer.alloc(CONFIG_RX_REQUEST_SIZE);
  out[0] = request.radio;
  out.writeUInt32BE(request.frequency >>> 0, 1);
  out.writeUInt16BE(request.preambleLength, 5);
  out[7] = request.spreadingFactor;
  out[8] = request.bandwidthCode;
  out[9] = request.invertIq ? 1 : 0;
  out[10] = request.syncWord;
  return out;
}

export function decodeConfigRxRequest(payload: Buffer): ConfigRxRequest {
  expectLength(payload, CONFIG_RX_REQUEST_SIZE, 'CONFIG_RX request');
  return {
    radio: payload[0],
    frequency: payload.readUInt32BE(1),
    preambleLength: payload.readUInt16BE(5),
    spreadingFactor: payload[7],
    bandwidthCode: payload[8],
    invertIq: payload[9] !== 0,
    syncWord: payload[10],
  };
}

export const CONFIG_RX_STATUS = { DONE: 0, BAD_PARAMETER: 1, FAILED: 2 } as const;

export function describeConfigRxStatus(status: number): string {
  if (status === CONFIG_RX_STATUS.DONE) return 'done';
  if (status === CONFIG_RX_STATUS.BAD_PARAMETER) return 'bad parameter';
  if (status === CONFIG_RX_STATUS.FAILED) return 'failed';
  return `unknown status ${status}`;
}

/** Acks that carry a single status byte (CONFIG_RX, RESET, PREPARE_TX, GET_TX_STATUS). */
export function decodeStatusByte(payload: Buffer, what: string): number {
  expectLength(payload, 1, what);
  return payload[0];
}

// ---- RESET ---------------------------------------------------------------------------------

export const RESET_TYPE = { GATEWAY: 0, TX: 1, RX1: 2, ALL_RX: 8 } as const;

export function encodeResetRequest(type: number): Buffer {
  return Buffer.from([type]);
}

export function decodeResetRequest(payload: Buffer): number {
  expectLength(payload, 1, 'RESET request');
  const type = payload[0];
  if (type > RESET_TYPE.ALL_RX) throw new MalformedMessageError(`RESET request has unknown type ${type}`);
  return type;
}

// ---- GET_RX_MSG and MSG_RECEIVE ------------------------------------------------------------

export const RX_MSG_ACK_SIZE = 5;

export interface RxMsgAck {
  /** Messages that follow this ack as separate MSG_RECEIVE events. */
  count: number;
  totalBytes: number;
  /** More messages wait in the MCU after these. */
  pending: boolean;
  /** Messages the MCU dropped (FIFO overflow) since the last poll. */
  lost: number;
}

export function decodeRxMsgAck(payload: Buffer): RxMsgAck {
  expectLength(payload, RX_MSG_ACK_SIZE, 'GET_RX_MSG ack');
  return { count: payload[0], totalBytes: payload.readUInt16BE(1), pending: payload[3] !== 0, lost: payload[4] };
}

export function encodeRxMsgAck(ack: RxMsgAck): Buffer {
  const out = Buffer.alloc(RX_MSG_ACK_SIZE);
  out[0] = ack.count;
  out.writeUInt16BE(ack.totalBytes, 1);
  out[3] = ack.pending ? 1 : 0;
  out[4] = Math.min(ack.lost, 0xff);
  return out;
}

export const MSG_RECEIVE_HEADER_SIZE = 12;

export interface ReceivedMessage {
  radio: number;
  /** MCU precise timer at reception, µs (u32). */
  timestampUs: number;
  frequencyErrorHz: number;
  snr: number;
  /** Raw RSSI in dBm, before any per-channel offset. */
  rssi: number;
  payload: Buffer;
}

export function decodeMsgReceive(payload: Buffer): ReceivedMessage {
  if (payload.length < MSG_RECEIVE_HEADER_SIZE) {
    throw new MalformedMessageError(`MSG_RECEIVE event must be at least ${MSG_RECEIVE_HEADER_SIZE} bytes, got ${payload.length}`);
  }
  const size = payload[11];
  if (payload.length !== MSG_RECEIVE_HEADER_SIZE + size) {
    throw new MalformedMessageError(
      `MSG_RECEIVE event announces a ${size}-byte payload but carries ${payload.length - MSG_RECEIVE_HEADER_SIZE}`,
    );
  }
  return {
    radio: payload[0],
    timestampUs: payload.readUInt32BE(1),
    frequencyErrorHz: payload.readInt32BE(5),
    snr: payload.readInt8(9),
    rssi: payload.readInt8(10),
    payload: Buffer.from(payload.subarray(MSG_RECEIVE_HEADER_SIZE)),
  };
}

export function encodeMsgReceive(message: ReceivedMessage): Buffer {
  if (message.payload.length > 0xff) throw new RangeError('a LoRa payload is at most 255 bytes');
  const out = Buffer.alloc(MSG_RECEIVE_HEADER_SIZE + message.payload.length);
  out[0] = message.radio;
  out.writeUInt32BE(message.timestampUs >>> 0, 1);
  out.writeInt32BE(message.frequencyErrorHz, 5);
  out.writeInt8(message.snr, 9);
  out.writeInt8(message.rssi, 10);
  out[11] = message.payload.length;
  message.payload.copy(out, MSG_RECEIVE_HEADER_SIZE);
  return out;
}

// ---- PREPARE_TX and GET_TX_STATUS ----------------------------------------------------------

/** When the MCU emits a prepared packet. */
export const TX_MODE = { TIMESTAMPED: 0, IMMEDIATE: 1, ON_GPS: 2 } as const;

/** Bytes before the payload: mode, count_us, power, frequency, BW, SF, IQ, CR, header, CRC, ramp, preamble, sync word, length. */
export const PREPARE_TX_HEADER_SIZE = 21;

/** SX1280 coding-rate index the MCU takes, by the code rate as written on air. */
export const CODE_RATE_INDEX: ReadonlyMap<string, number> = new Map([
  ['4/5', 0],
  ['4/6', 1],
  ['4/7', 2],
  ['4/8', 3],
  ['4/5LI', 4],
  ['4/6LI', 5],
  ['4/8LI', 6],
]);

/** Power-amplifier ramp-up the HAL always asks for (20 µs). */
export const RAMP_UP_20_US = 0xe0;

/** The SX1280's TX power range (dBm) as the HAL enforces it. */
export const TX_POWER_MIN_DBM = -18;
export const TX_POWER_MAX_DBM = 13;

export interface PrepareTxRequest {
  mode: number;
  /** MCU µs counter at which to emit (TIMESTAMPED); ignored otherwise. */
  countUs: number;
  /** dBm, signed. */
  power: number;
  frequency: number;
  bandwidthCode: number;
  spreadingFactor: number;
  invertIq: boolean;
  codeRateIndex: number;
  implicitHeader: boolean;
  crc: boolean;
  rampUp: number;
  preamble: number;
  syncWord: number;
  payload: Buffer;
}

export function encodePrepareTxRequest(request: PrepareTxRequest): Buffer {
  if (request.payload.length > 0xff) throw new RangeError('a LoRa payload is at most 255 bytes');
  const out = Buffer.alloc(PREPARE_TX_HEADER_SIZE + request.payload.length);
  out[0] = request.mode;
  out.writeUInt32BE(request.countUs >>> 0, 1);
  out.writeInt8(request.power, 5);
  out.writeUInt32BE(request.frequency >>> 0, 6);
  out[10] = request.bandwidthCode;
  out[11] = request.spreadingFactor;
  out[12] = request.invertIq ? 1 : 0;
  out[13] = request.codeRateIndex;
  out[14] = request.implicitHeader ? 1 : 0;
  out[15] = request.crc ? 1 : 0;
  out[16] = request.rampUp;
  out.writeUInt16BE(request.preamble, 17);
  out[19] = request.syncWord;
  out[20] = request.payload.length;
  request.payload.copy(out, PREPARE_TX_HEADER_SIZE);
  return out;
}

export function decodePrepareTxRequest(payload: Buffer): PrepareTxRequest {
  if (payload.length < PREPARE_TX_HEADER_SIZE) {
    throw new MalformedMessageError(`PREPARE_TX request must be at least ${PREPARE_TX_HEADER_SIZE} bytes, got ${payload.length}`);
  }
  const size = payload[20];
  if (payload.length !== PREPARE_TX_HEADER_SIZE + size) {
    throw new MalformedMessageError(`PREPARE_TX request announces a ${size}-byte payload but carries ${payload.length - PREPARE_TX_HEADER_SIZE}`);
  }
  return {
    mode: payload[0],
    countUs: payload.readUInt32BE(1),
    power: payload.readInt8(5),
    frequency: payload.readUInt32BE(6),
    bandwidthCode: payload[10],
    spreadingFactor: payload[11],
    invertIq: payload[12] !== 0,
    codeRateIndex: payload[13],
    implicitHeader: payload[14] !== 0,
    crc: payload[15] !== 0,
    rampUp: payload[16],
    preamble: payload.readUInt16BE(17),
    syncWord: payload[19],
    payload: Buffer.from(payload.subarray(PREPARE_TX_HEADER_SIZE)),
  };
}

/** The PREPARE_TX ack's status byte. */
export const PREPARE_TX_STATUS = { OK: 0, INVALID: 1, FIFO_FULL: 2 } as const;

/** The GET_TX_STATUS ack's status byte. */
export const TX_STATUS = {
  IDLE: 0,
  LOADED: 1,
  ON_AIR: 2,
  DONE: 3,
  ERROR_PARAM: 4,
  ERROR_FAIL_TO_SEND: 5,
  ERROR_TX_TIMEOUT: 6,
} as const;

const TX_STATUS_NAMES = ['idle', 'loaded', 'on air', 'done', 'parameter error', 'failed to send', 'TX timeout'];

export function describeTxStatus(status: number): string {
  return TX_STATUS_NAMES[status] ?? `unknown TX status ${status}`;
}
