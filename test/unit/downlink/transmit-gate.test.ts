// TransmitGate status paths against fake radio sources, with an injected clock and a captured log.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { TransmitGate } from '../../../src/downlink/transmit-gate.js';
import { createLogger } from '../../../src/log.js';
import type { TxRequest } from '../../../src/radio/downlink.js';
import type { RadioSource } from '../../../src/radio/radio-frame.js';
import { FakeRadio } from '../../helpers/fake-radio.js';

/** A source that only receives (an AT modem without a transmit command, for instance). */
const receiveOnly: RadioSource = {
  id: 'rx-only',
  start: async () => {},
  stop: async () => {},
  counters: () => ({}),
  state: () => 'open',
};

function request(overrides: Partial<TxRequest> = {}): TxRequest {
  return {
    payload: Buffer.alloc(13, 0xa5),
    frequency: 868_100_000,
    modulation: 'LORA',
    spreadingFactor: 7,
    bandwidth: 125_000,
    codeRate: '4/5',
    power: 14,
    polarizationInversion: true,
    timing: { kind: 'immediate' },
    ...overrides,
  };
}

interface Ctx {
  radio: FakeRadio;
  t: number;
  lines: Array<{ level: string; msg: string }>;
  scheduler: TransmitGate;
}

const it = suite<Ctx>('downlink-scheduler', {} as Ctx);

function make(ctx: Ctx, opts: { dutyCycle?: boolean; maxTxPower?: number; sources?: RadioSource[] } = {}): TransmitGate {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) ctx.lines.push(JSON.parse(line));
      cb();
    },
  });
  return new TransmitGate({
    sources: opts.sources ?? [receiveOnly, ctx.radio],
    dutyCycle: opts.dutyCycle ?? true,
    maxTxPower: opts.maxTxPower ?? 27,
    logger: createLogger({ level: 'debug', destination: sink }),
    now: () => ctx.t,
  });
}

it.before.each((ctx) => {
  ctx.radio = new FakeRadio('udp');
  ctx.t = 0;
  ctx.lines = [];
  ctx.scheduler = make(ctx);
});

it('OK: the request reaches the source unchanged and its airtime is booked on the sub-band', async (ctx) => {
  const req = request();
  assert.is(await ctx.scheduler.send(1, req), 'OK');
  assert.is(ctx.radio.requests.length, 1);
  assert.is(ctx.radio.requests[0], req);
  const stats = ctx.scheduler.counters();
  assert.is(stats.sent, 1);
  assert.equal(stats.byStatus, { OK: 1 });
  // SF7/125, 13 bytes, counted with CRC: 12.25 + 33 symbols of 1.024 ms.
  const g1 = stats.dutyCycle.find((u) => u.name === 'g1');
  assert.ok(g1 && Math.abs(g1.usedMs - 46.336) < 1e-9, JSON.stringify(g1));
});

it('TX_FREQ outside 863-870 MHz or in a gap between sub-bands; nothing transmitted', async (ctx) => {
  assert.is(await ctx.scheduler.send(1, request({ frequency: 915_000_000 })), 'TX_FREQ');
  assert.is(await ctx.scheduler.send(1, request({ frequency: 862_000_000 })), 'TX_FREQ');
  assert.is(await ctx.scheduler.send(1, request({ frequency: 868_650_000 })), 'TX_FREQ');
  assert.is(await ctx.scheduler.send(1, request({ frequency: Number.NaN })), 'TX_FREQ');
  assert.is(ctx.radio.requests.length, 0);
  assert.equal(ctx.scheduler.counters().byStatus, { TX_FREQ: 4 });
});

it('TX_POWER above the legal sub-band limit or the configured ceiling (refused, not clamped)', async (ctx) => {
  assert.is(await ctx.scheduler.send(1, request({ power: 17 })), 'TX_POWER'); // g1: 16 dBm
  assert.is(await ctx.scheduler.send(1, request({ power: 16 })), 'OK');
  assert.is(await ctx.scheduler.send(1, request({ frequency: 869_525_000, power: 27 })), 'OK'); // g3: 27 dBm
  assert.is(await ctx.scheduler.send(1, request({ frequency: 869_525_000, power: 28 })), 'TX_POWER');
  const capped = make(ctx, { maxTxPower: 20 });
  assert.is(await capped.send(1, request({ frequency: 869_525_000, power: 27 })), 'TX_POWER');
  assert.is(await capped.send(1, request({ frequency: 869_525_000, power: 20 })), 'OK');
  assert.equal(
    ctx.radio.requests.map((r) => r.power),
    [16, 27, 20],
  );
});

it('INTERNAL_ERROR: unknown source, receive-only source, malformed request, throwing source', async (ctx) => {
  assert.is(await ctx.scheduler.send(7, request()), 'INTERNAL_ERROR');
  assert.is(await ctx.scheduler.send(0, request()), 'INTERNAL_ERROR');
  assert.is(await ctx.scheduler.send(1, request({ spreadingFactor: undefined })), 'INTERNAL_ERROR');
  assert.is(await ctx.scheduler.send(1, request({ payload: Buffer.alloc(0) })), 'INTERNAL_ERROR');
  assert.is(await ctx.scheduler.send(1, request({ codeRate: '4/9' })), 'INTERNAL_ERROR');
  assert.is(await ctx.scheduler.send(1, request({ modulation: 'FSK', fskDatarate: undefined })), 'INTERNAL_ERROR');
  assert.is(ctx.radio.requests.length, 0);
  ctx.radio.reply = 'throw';
  assert.is(await ctx.scheduler.send(1, request()), 'INTERNAL_ERROR');
  assert.is(ctx.radio.requests.length, 1);
});

it('the radio status is passed through, and airtime not emitted is given back', async (ctx) => {
  ctx.radio.reply = 'TOO_LATE';
  assert.is(await ctx.scheduler.send(1, request()), 'TOO_LATE');
  ctx.radio.reply = 'COLLISION_PACKET';
  assert.is(await ctx.scheduler.send(1, request()), 'COLLISION_PACKET');
  const stats = ctx.scheduler.counters();
  assert.is(stats.sent, 0);
  assert.equal(stats.byStatus, { TOO_LATE: 1, COLLISION_PACKET: 1 });
  assert.is(stats.dutyCycle.find((u) => u.name === 'g1')?.usedMs, 0);
});

it('DUTY_CYCLE_OVERFLOW once 1% of the hour is used; logged once per episode; free again an hour later', async (ctx) => {
  // SF12/125, 64 bytes with CRC: (512 - 48 + 28 + 16) / 40 = 12.7 -> 13 * 5 + 8 = 73 symbols + 12.25
  // preamble, 85.25 * 32.768 ms = 2793.472 ms. 12 fit into 36 s (33521.664 ms), the 13th does not.
  const big = request({ payload: Buffer.alloc(64, 1), spreadingFactor: 12 });
  for (let i = 0; i < 12; i++) {
    ctx.t = i * 1000;
    assert.is(await ctx.scheduler.send(1, big), 'OK', `frame ${i}`);
  }
  ctx.t = 20_000;
  assert.is(await ctx.scheduler.send(1, big), 'DUTY_CYCLE_OVERFLOW');
  assert.is(await ctx.scheduler.send(1, big), 'DUTY_CYCLE_OVERFLOW');
  const warnings = () => ctx.lines.filter((l) => /duty cycle exhausted/.test(l.msg)).length;
  const recoveries = () => ctx.lines.filter((l) => /available again/.test(l.msg)).length;
  assert.is(warnings(), 1);
  // Another sub-band is unaffected and does not end the episode.
  assert.is(await ctx.scheduler.send(1, { ...big, frequency: 869_525_000 }), 'OK');
  assert.is(recoveries(), 0);
  // A short frame (46.336 ms) still fits in the 2478.336 ms left; that ends the episode.
  assert.is(await ctx.scheduler.send(1, request()), 'OK');
  assert.is(recoveries(), 1);
  assert.is(ctx.radio.requests.length, 14);

  ctx.t = 3_600_000; // frame 0 (t = 0) leaves the window: 2793.472 ms free again
  assert.is(await ctx.scheduler.send(1, big), 'OK');
  assert.is(await ctx.scheduler.send(1, big), 'DUTY_CYCLE_OVERFLOW');
  assert.is(warnings(), 2);
  assert.is(recoveries(), 1);
  assert.equal(ctx.scheduler.counters().byStatus, { OK: 15, DUTY_CYCLE_OVERFLOW: 3 });
});

it('duty cycle off: never refused for airtime', async (ctx) => {
  const free = make(ctx, { dutyCycle: false });
  const big = request({ payload: Buffer.alloc(64, 1), spreadingFactor: 12 });
  for (let i = 0; i < 20; i++) assert.is(await free.send(1, big), 'OK');
  assert.is(free.counters().dutyCycle.find((u) => u.name === 'g1')?.usedMs, 0);
});

it('FSK requests are timed with the FSK formula', async (ctx) => {
  const fsk = request({ modulation: 'FSK', spreadingFactor: undefined, bandwidth: undefined, fskDatarate: 50_000 });
  assert.is(await ctx.scheduler.send(1, fsk), 'OK');
  const g1 = ctx.scheduler.counters().dutyCycle.find((u) => u.name === 'g1');
  assert.ok(g1 && Math.abs(g1.usedMs - (24 * 8) / 50) < 1e-9);
});

it('defaultSourceIndex: the first source that can transmit', (ctx) => {
  assert.is(ctx.scheduler.defaultSourceIndex(), 1);
  assert.is(make(ctx, { sources: [receiveOnly] }).defaultSourceIndex(), undefined);
  assert.is(make(ctx, { sources: [ctx.radio, receiveOnly] }).defaultSourceIndex(), 0);
});

it.run();
