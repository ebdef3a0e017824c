// A plausible outbox record for tests of what reads, batches and publishes records.
import type { OutboxRecord } from '../../src/outbox/record.js';

/** `padding` adds random-looking payload bytes, so gzip has real work to do on big batches. */
export function testOutboxRecord(seq: number, padding = 0): OutboxRecord {
  return {
    seq,
    capturedAt: new Date(1_700_000_000_000 + seq).toISOString(),
    radio: {
      source: 'udp', frequency: 868_100_000, modulation: 'LORA', spreadingFactor: 7, bandwidth: 125_000, codeRate: '4/5',
      fskDatarate: null, rssi: -50, snr: 7, channel: 0, rfChain: 0, crc: 'ok', counterUs: null, gwTime: null,
    },
    phyPayload: Buffer.from(Array.from({ length: 16 + padding }, (_, i) => (i * 7919 + seq * 104729) % 251)).toString('base64'),
    lorawan: {
      mType: 'UnconfirmedDataUp', devAddr: '26011bda', fCnt: seq, fPort: 1, adr: false, ack: false, micValid: null,
      fCntReplay: null, joinEui: null, devEui: null, devNonce: null, parseError: null,
    },
    device: null,
    decoded: null,
  };
}
