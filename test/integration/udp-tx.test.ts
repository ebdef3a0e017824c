// UdpSource.transmit over real UDP on loopback: PULL_RESP to the forwarder's pull socket, the TX_ACK
// correlated by token and mapped to a TxStatus, protocol-1 forwarders, lost TX_ACKs, no forwarder.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/log.js';
import type { TxRequest } from '../../src/radio/downlink.js';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { buildTxAck } from '../../src/radio/udp/gateway-side.js';
import { UdpSource } from '../../src/radio/udp/udp-source.js';
import { PacketForwarderSim, type TxAckDecision, makeRxpk, txpkPayload } from '../../src/testing/packet-forwarder.js';

const EUI = 'aa555a0000000101';
const EUI_B = 'aa555a0000000202';
const PAYLOAD = Buffer.from('20aabbccddeeff00112233445566778899', 'hex');

interface Ctx {
  source: UdpSource;
  frames: RadioFrame[];
  target: string;
  sims: PacketForwarderSim[];
}

const it = suite<Ctx>('udp-tx', {} as Ctx);

it.before.each(async (ctx) => {
  ctx.frames = [];
  ctx.sims = [];
  ctx.source = new UdpSource({
    id: 'udp',
    bind: '127.0.0.1:0',
    logger: silentLogger(),
    onFrame: (frame) => ctx.frames.push(frame),
    txAckTimeoutMs: 300,
    v1TxAckWaitMs: 50,
  });
  await ctx.source.start();
  ctx.target = `127.0.0.1:${ctx.source.address().port}`;
});

it.after.each(async (ctx) => {
  for (const sim of ctx.sims) await sim.close();
  await ctx.source.stop();
});

async function forwarder(ctx: Ctx, opts: { eui?: string; version?: 1 | 2 } = {}): Promise<PacketForwarderSim> {
  const sim = new PacketForwarderSim({ target: ctx.target, gatewayEui: opts.eui ?? EUI, version: opts.version ?? 2 });
  ctx.sims.push(sim);
  assert.ok((await sim.pullData()).acked, 'PULL_ACK');
  return sim;
}

function delayed(context: Buffer, delayMs: number, overrides: Partial<TxRequest> = {}): TxRequest {
  return {
    payload: PAYLOAD,
    frequency: 868_300_000,
    modulation: 'LORA',
    spreadingFactor: 10,
    bandwidth: 125_000,
    codeRate: '4/5',
    power: 14,
    polarizationInversion: true,
    timing: { kind: 'delay', context, delayMs },
    ...overrides,
  };
}

/** Pushes one uplink with this tmst and returns the context the source put on the frame. */
async function uplink(ctx: Ctx, sim: PacketForwarderSim, tmst: number): Promise<Buffer> {
  const before = ctx.frames.length;
  assert.ok((await sim.pushRxpk([makeRxpk({ payload: Buffer.from('40010203', 'hex'), tmst, freqHz: 868_300_000, sf: 10 })])).acked);
  const deadline = Date.now() + 1000;
  while (ctx.frames.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const context = ctx.frames[before]?.context;
  assert.ok(context, 'the uplink frame carries a context');
  return context as Buffer;
}

it('RX1 after an uplink: PULL_RESP to the pull socket with tmst + 1 s, TX_ACK without error -> OK', async (ctx) => {
  const sim = await forwarder(ctx);
  const context = await uplink(ctx, sim, 2_000_000_000);
  const status = await ctx.source.transmit(delayed(context, 1000));
  assert.is(status, 'OK');
  const resp = sim.lastPullResp();
  assert.ok(resp);
  assert.equal(resp?.txpk, {
    tmst: 2_001_000_000,
    freq: 868.3,
    rfch: 0,
    powe: 14,
    modu: 'LORA',
    datr: 'SF10BW125',
    codr: '4/5',
    ipol: true,
    size: PAYLOAD.length,
    data: PAYLOAD.toString('base64'),
  });
  assert.ok(txpkPayload(resp?.txpk ?? {}).equals(PAYLOAD));
  assert.is(resp?.answered, null);
  assert.is(sim.counters().strayDatagrams, 0);
  const c = ctx.source.counters();
  assert.is(c.tx_requests, 1);
  assert.is(c.tx_ok, 1);
  assert.is(c.tx_ack, 1);
  assert.is(c.tx_ack_unmatched, 0);
});

it('each TX_ACK error comes back as the TxStatus of that name; a TX_POWER warning is still OK', async (ctx) => {
  const sim = await forwarder(ctx);
  const context = await uplink(ctx, sim, 10);
  const answers: Array<[TxAckDecision, string]> = [
    [{ error: 'TOO_LATE' }, 'TOO_LATE'],
    [{ error: 'TOO_EARLY' }, 'TOO_EARLY'],
    [{ error: 'COLLISION_PACKET' }, 'COLLISION_PACKET'],
    [{ error: 'COLLISION_BEACON' }, 'COLLISION_BEACON'],
    [{ error: 'TX_FREQ' }, 'TX_FREQ'],
    [{ error: 'TX_POWER' }, 'TX_POWER'],
    [{ error: 'GPS_UNLOCKED' }, 'GPS_UNLOCKED'],
    [{ error: 'NONE' }, 'OK'],
    [{ error: 'UNKNOWN' }, 'INTERNAL_ERROR'],
    [{ warn: 'TX_POWER', value: 14 }, 'OK'],
  ];
  for (const [answer, expected] of answers) {
    sim.setTxAckDecider(() => answer);
    assert.is(await ctx.source.transmit(delayed(context, 1000)), expected, JSON.stringify(answer));
  }
  assert.is(ctx.source.counters().tx_ack, answers.length);
  assert.is(ctx.source.counters().tx_ok, 2);
});

it('the TX_ACK decision can depend on the txpk: RX1 refused, RX2 accepted', async (ctx) => {
  const sim = await forwarder(ctx);
  const context = await uplink(ctx, sim, 500);
  sim.setTxAckDecider((txpk) => (txpk.freq === 868.3 ? { error: 'COLLISION_PACKET' } : null));
  assert.is(await ctx.source.transmit(delayed(context, 1000)), 'COLLISION_PACKET');
  assert.is(await ctx.source.transmit(delayed(context, 2000, { frequency: 869_525_000, spreadingFactor: 12 })), 'OK');
  assert.equal(sim.pullResponses.map((r) => [r.txpk.freq, r.txpk.tmst, r.txpk.datr]), [
    [868.3, 1_000_500, 'SF10BW125'],
    [869.525, 2_000_500, 'SF12BW125'],
  ]);
});

it('no TX_ACK within the timeout -> INTERNAL_ERROR, and a late TX_ACK is only counted', async (ctx) => {
  const sim = await forwarder(ctx);
  sim.setTxAckDecider(() => 'none');
  const started = Date.now();
  const status = await ctx.source.transmit(delayed(Buffer.from([0, 0, 0, 1]), 1000));
  assert.is(status, 'INTERNAL_ERROR');
  assert.ok(Date.now() - started >= 290, 'waited for the TX_ACK timeout');
  assert.is(sim.counters().pullRespReceived, 1);
  assert.is(ctx.source.counters().tx_ack_timeouts, 1);
  // The forwarder answers after all: nobody waits for that token any more.
  const token = sim.pullResponses[0]?.token ?? -1;
  await sim.sendRaw(buildTxAck(2, token, EUI), 'down');
  const deadline = Date.now() + 1000;
  while (ctx.source.counters().tx_ack === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.is(ctx.source.counters().tx_ack_unmatched, 1);
});

it('a TX_ACK from another gateway with the same token does not settle the downlink', async (ctx) => {
  const sim = await forwarder(ctx);
  const other = await forwarder(ctx, { eui: EUI_B });
  // The downlink goes to `other` (it pulled last); `sim` forges a TX_ACK with the same token.
  other.setTxAckDecider(() => 'none');
  const pending = ctx.source.transmit(delayed(Buffer.from([0, 0, 0, 1]), 1000, { timing: { kind: 'immediate' } }));
  const resp = await other.nextPullResp(1000);
  assert.ok(resp);
  await sim.sendRaw(buildTxAck(2, resp?.token ?? 0, EUI, { error: 'TOO_LATE' }), 'down');
  assert.is(await pending, 'INTERNAL_ERROR');
  assert.is(ctx.source.counters().tx_ack_unmatched, 1);
  assert.is(sim.pullResponses.length, 0);
});

it('protocol-1 forwarder: no TX_ACK exists, so the downlink is OK after the short wait', async (ctx) => {
  const sim = await forwarder(ctx, { version: 1 });
  const status = await ctx.source.transmit(delayed(Buffer.alloc(4), 0, { timing: { kind: 'immediate' } }));
  assert.is(status, 'OK');
  const resp = sim.lastPullResp();
  assert.is(resp?.version, 1);
  assert.is(resp?.txpk.imme, true);
  assert.is(resp?.answered, 'none');
  assert.is(sim.counters().txAcksSent, 0);
});

it('no forwarder has pulled yet -> INTERNAL_ERROR at once, nothing sent', async (ctx) => {
  const started = Date.now();
  assert.is(await ctx.source.transmit(delayed(Buffer.alloc(4), 1000)), 'INTERNAL_ERROR');
  assert.ok(Date.now() - started < 200);
  assert.is(ctx.source.counters().pull_resp_sent, 0);
});

it('a delayed downlink goes to the forwarder that heard the uplink, not the one that pulled last', async (ctx) => {
  const a = await forwarder(ctx, { eui: EUI });
  const b = await forwarder(ctx, { eui: EUI_B });
  const heardByA = await uplink(ctx, a, 77_000);
  await b.pullData();
  assert.is(await ctx.source.transmit(delayed(heardByA, 1000)), 'OK');
  assert.is(a.pullResponses.length, 1);
  assert.is(b.pullResponses.length, 0);
  assert.is(a.pullResponses[0]?.txpk.tmst, 1_077_000);
  // Class C (no uplink): whoever pulled last.
  assert.is(await ctx.source.transmit(delayed(heardByA, 0, { timing: { kind: 'immediate' } })), 'OK');
  assert.is(b.pullResponses.length, 1);
});

it('a request that cannot become a txpk is refused before anything is sent', async (ctx) => {
  await forwarder(ctx);
  assert.is(await ctx.source.transmit(delayed(Buffer.from([1, 2]), 1000)), 'INTERNAL_ERROR');
  assert.is(await ctx.source.transmit(delayed(Buffer.alloc(4), 1000, { frequency: 868.3 })), 'TX_FREQ');
  assert.is(ctx.source.counters().pull_resp_sent, 0);
  assert.is(ctx.source.counters().tx_failed, 2);
});

it('stopping the source ends a downlink still waiting for its TX_ACK with INTERNAL_ERROR', async (ctx) => {
  const sim = await forwarder(ctx);
  sim.setTxAckDecider(() => 'none');
  const pending = ctx.source.transmit(delayed(Buffer.alloc(4), 1000));
  await sim.nextPullResp(1000);
  await ctx.source.stop();
  assert.is(await pending, 'INTERNAL_ERROR');
  assert.is(await ctx.source.transmit(delayed(Buffer.alloc(4), 1000)), 'INTERNAL_ERROR');
});

it.run();
