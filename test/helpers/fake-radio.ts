// A radio source that can transmit, for tests of the downlink path: it records every request it
// is handed and answers with `reply` (or throws, for 'throw').
import type { DownlinkCapable, TxRequest, TxStatus } from '../../src/radio/downlink.js';
import type { RadioSource } from '../../src/radio/radio-frame.js';

export class FakeRadio implements RadioSource, DownlinkCapable {
  readonly requests: TxRequest[] = [];

  constructor(
    readonly id: string,
    public reply: TxStatus | 'throw' = 'OK',
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  counters(): Record<string, number> {
    return {};
  }
  state(): string {
    return 'open';
  }
  async transmit(request: TxRequest): Promise<TxStatus> {
    this.requests.push(request);
    if (this.reply === 'throw') throw new Error('radio exploded');
    return this.reply;
  }
}
