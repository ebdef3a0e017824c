// The UDP source's cumulative counters, all present from the start (zero) so dashboards see every
// series before the first event; per-reason counters come from the parsers' reason lists.
import { DATAGRAM_FAILURE_REASONS } from './datagram.js';
import { RXPK_FAILURE_REASONS } from './rxpk.js';
import { IMPLAUSIBLE_COUNTER_PREFIX, IMPLAUSIBLE_REASONS } from '../plausibility.js';

const NAMES = [
  'datagrams_received',
  'datagrams_malformed',
  'push_data',
  'pull_data',
  'tx_ack',
  'tx_ack_error',
  'rx_frames',
  'rx_crc_ok',
  'rx_crc_bad',
  'rx_crc_none',
  'rxpk_invalid',
  'stat_received',
  'stat_invalid',
  'stat_junk_fields',
  'pull_resp_sent',
  'tx_requests',
  'tx_ok',
  'tx_failed',
  'tx_ack_timeouts',
  'tx_ack_unmatched',
  'send_errors',
  'handler_errors',
  // Back-pressure: PUSH_DATA whose rxpk were refused at the closed door (acknowledged all the same).
  'datagrams_refused',
  'frames_refused',
] as const;

export class UdpCounters {
  private readonly counts: Record<string, number> = {};

  constructor() {
    for (const name of NAMES) this.counts[name] = 0;
    for (const reason of DATAGRAM_FAILURE_REASONS) this.counts[`malformed_${reason}`] = 0;
    for (const reason of RXPK_FAILURE_REASONS) this.counts[`rxpk_invalid_${reason}`] = 0;
    for (const reason of IMPLAUSIBLE_REASONS) this.counts[`${IMPLAUSIBLE_COUNTER_PREFIX}${reason}`] = 0;
  }

  count(name: string, by = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + by;
  }

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }
}
