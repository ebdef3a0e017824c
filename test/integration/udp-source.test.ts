// UdpSource against the packet-forwarder simulator and raw sockets, over real UDP on loopback.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { silentLogger } from '../../src/log.js';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { UdpSourceError, type FrameOrigin, type StatReport } from '../../src/radio/udp/udp-source.js';
import { ObservedUdpSource as UdpSource, type TxAckReport } from '../../src/testing/observed-udp-source.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';

const EUI = 'aa555a0000000101';
const EUI_B = 'aa555a0000000202';

interface Ctx {
  source: UdpSource;
  frames: Array<{ frame: RadioFrame; origin: FrameOrigin }>;
  stats: StatReport[];
  txAcks: TxAckReport[];
  target: string;
  sims: PacketForwarderSim[];
  raws: dgram.Socket[];
  throwInOnFrame: boolean;
}

const it = suite<Ctx>('udp-source', {} as Ctx);

it.before.each(async (ctx) => {
  ctx.frames = [];
  ctx.stats = [];
  ctx.txAcks = [];
  ctx.sims = [];
  ctx.raws = [];
  ctx.throwInOnFrame = false;
  ctx.source = new UdpSource({
    id: 'udp',
    bind: '127.0.0.1:0',
    logger: silentLogger(),
    onFrame: (frame, origin) => {
      ctx.frames.push({ frame, origin });
      if (ctx.throwInOnFrame) throw new Error('downstream blew up');
    },
    onStat: (r) => ctx.stats.push(r),
    onTxAck: (a) => ctx.txAcks.push(a),
    now: () => 1_700_000_000_000,
  });
  await ctx.source.start();
  ctx.target = `127.0.0.1:${ctx.source.address().port}`;
});

it.after.each(async (ctx) => {
  for (const sim of ctx.sims) await sim.close();
  for (const raw of ctx.raws) raw.close();
  await ctx.source.stop();
});

function sim(ctx: Ctx, opts: { eui?: string; version?: 1 | 2; txAckError?: string | null } = {}): PacketForwarderSim {
  const s = new PacketForwarderSim({
    target: ctx.target,
    gatewayEui: opts.eui ?? EUI,
    version: opts.version ?? 2,
    txAckError: opts.txAckError ?? null,
  });
  ctx.sims.push(s);
  return s;
}

async function rawSocket(ctx: Ctx): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  ctx.raws.push(s);
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/** Sends one datagram from a raw socket and returns the first reply, or undefined after 300 ms. */
async function exchange(ctx: Ctx, s: dgram.Socket, datagram: Buffer): Promise<Buffer | undefined> {
  const reply = new Promise<Buffer | undefined>((resolve) => {
    const timer = setTimeout(() => {
      s.off('message', onMsg);
      resolve(undefined);
    }, 300);
    const onMsg = (msg: Buffer): void => {
      clearTimeout(timer);
      resolve(msg);
    };
    s.once('message', onMsg);
  });
  s.send(datagram, ctx.source.address().port, '127.0.0.1');
  return reply;
}

const eui = Buffer.from(EUI, 'hex');

it('PUSH_ACK echoes version and token exactly, for v1 and v2', async (ctx) => {
  const s = await rawSocket(ctx);
  for (const [version, hi, lo] of [[1, 0x12, 0x34], [2, 0xfe, 0x01], [2, 0x00, 0x00]]) {
    const push = Buffer.concat([Buffer.from([version, hi, lo, 0x00]), eui, Buffer.from('{"rxpk":[]}')]);
    const reply = await exchange(ctx, s, push);
    assert.ok(reply, `no PUSH_ACK for v${version}`);
    assert.equal([...reply!], [version, hi, lo, 0x01]);
  }
  assert.is(ctx.source.counters().push_data, 3);
});

it('PULL_ACK echoes version and token, for v1 and v2', async (ctx) => {
  const s = await rawSocket(ctx);
  for (const [version, hi, lo] of [[1, 0xab, 0xcd], [2, 0x00, 0x07]]) {
    const reply = await exchange(ctx, s, Buffer.concat([Buffer.from([version, hi, lo, 0x02]), eui]));
    assert.equal([...reply!], [version, hi, lo, 0x04]);
  }
  assert.is(ctx.source.counters().pull_data, 2);
});

it('simulator pushes are acked and frames arrive with the gateway EUI', async (ctx) => {
  const gw = sim(ctx);
  const payload = Buffer.from('40f17dbe4900020001954378762b11ff0d', 'hex');
  const outcome = await gw.pushRxpk([
    makeRxpk({ payload, freqHz: 868_500_000, sf: 9, rssi: -57, snr: 9.5, tmst: 123456, stat: 'ok' }),
    makeRxpk({ payload: Buffer.from([1]), stat: 'bad' }),
  ]);
  assert.is(outcome.acked, true);
  assert.is(ctx.frames.length, 2);
  const { frame, origin } = ctx.frames[0];
  assert.equal(origin, { gatewayEui: EUI });
  assert.is(frame.source, 'udp');
  assert.is(frame.receivedAt, 1_700_000_000_000);
  assert.is(frame.frequency, 868_500_000);
  assert.is(frame.spreadingFactor, 9);
  assert.is(frame.rssi, -57);
  assert.ok(frame.payload.equals(payload));
  assert.equal([...frame.context!], [0x00, 0x01, 0xe2, 0x40]);
  assert.is(ctx.frames[1].frame.crc, 'bad');
  const c = ctx.source.counters();
  assert.equal([c.rx_frames, c.rx_crc_ok, c.rx_crc_bad, c.rx_crc_none], [2, 1, 1, 0]);
  assert.equal(gw.counters().pushAcks, 1);
});

it('one bad rxpk does not drop the good ones beside it', async (ctx) => {
  const gw = sim(ctx);
  const good = makeRxpk({ payload: Buffer.from([1, 2, 3]) });
  await gw.pushRxpk([good, { ...good, size: 9 }, { ...good, datr: 'SF7BW999' }, 'junk', good]);
  assert.is(ctx.frames.length, 2);
  const c = ctx.source.counters();
  assert.equal([c.rxpk_invalid, c.rxpk_invalid_size_mismatch, c.rxpk_invalid_bad_datr, c.rxpk_invalid_bad_field], [3, 1, 1, 1]);
});

it('malformed datagrams are counted by reason; good ones in between still delivered', async (ctx) => {
  const gw = sim(ctx);
  const good = [makeRxpk({ payload: Buffer.from([0xaa]) })];
  assert.ok((await gw.pushRxpk(good)).acked);
  await gw.sendRaw(Buffer.from([2, 0]));
  await gw.sendRaw(Buffer.concat([Buffer.from([9, 0, 1, 0]), eui, Buffer.from('{}')]));
  await gw.sendRaw(Buffer.concat([Buffer.from([2, 0, 1, 0]), eui, Buffer.from('{"rxpk":[')]));
  assert.ok((await gw.pushRxpk(good)).acked);
  await gw.sendRaw(Buffer.from([2, 0, 1, 0x04]));
  await gw.sendRaw(Buffer.from([2, 0, 1, 0x07]));
  await gw.sendRaw(Buffer.concat([Buffer.from([2, 0, 1, 0]), eui, Buffer.from('[1,2]')]));
  await gw.sendRaw(Buffer.concat([Buffer.from([2, 0, 1, 0]), eui, Buffer.from('{"rxpk":{}}')]));
  assert.ok((await gw.pushRxpk(good)).acked);
  assert.is(ctx.frames.length, 3);
  const c = ctx.source.counters();
  assert.is(c.datagrams_received, 10);
  assert.is(c.datagrams_malformed, 7);
  assert.equal(
    [c.malformed_too_short, c.malformed_bad_version, c.malformed_bad_json, c.malformed_unexpected_type, c.malformed_unknown_type, c.malformed_not_object, c.malformed_bad_rxpk],
    [1, 1, 1, 1, 1, 1, 1],
  );
  // Malformed datagrams get no reply.
  assert.is(gw.counters().strayDatagrams, 0);
  assert.is(ctx.source.state(), 'listening');
});

it('downlink target is the PULL_DATA address; PULL_RESP reaches it and TX_ACK comes back', async (ctx) => {
  const gw = sim(ctx, { txAckError: 'TOO_LATE' });
  assert.is(ctx.source.downlinkTarget(), undefined);
  await gw.pushRxpk([makeRxpk({ payload: Buffer.from([1]) })]);
  assert.is(ctx.source.downlinkTarget(EUI), undefined, 'PUSH_DATA alone sets no downlink target');

  const pull = await gw.pullData();
  assert.is(pull.acked, true);
  const ports = await gw.localPorts();
  const target = ctx.source.downlinkTarget(EUI);
  assert.equal(
    { address: target?.address, port: target?.port, version: target?.version, eui: target?.gatewayEui },
    { address: '127.0.0.1', port: ports.down, version: 2, eui: EUI },
  );
  assert.equal(ctx.source.downlinkTarget(), target);

  const txpk = { imme: false, tmst: 1_123_456, freq: 868.1, rfch: 0, powe: 14, modu: 'LORA', datr: 'SF7BW125', codr: '4/5', ipol: true, size: 1, data: 'AQ==' };
  const token = await ctx.source.sendPullResp(txpk, EUI.toUpperCase());
  const resp = await gw.nextPullResp(1000);
  assert.equal(resp?.txpk, txpk);
  assert.is(resp?.token, token);
  // TX_ACK travels back on its own; poll briefly.
  for (let i = 0; i < 50 && ctx.txAcks.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(ctx.txAcks, [{ token, error: 'TOO_LATE', gatewayEui: EUI }]);
  const c = ctx.source.counters();
  assert.equal([c.pull_resp_sent, c.tx_ack, c.tx_ack_error], [1, 1, 1]);
});

it('accepted downlink: TX_ACK without JSON reports error null; each gateway keeps its own target', async (ctx) => {
  const a = sim(ctx);
  const b = sim(ctx, { eui: EUI_B, version: 1 });
  await a.pullData();
  await b.pullData();
  assert.is(ctx.source.downlinkTarget()?.gatewayEui, EUI_B);
  assert.is(ctx.source.downlinkTarget(EUI_B)?.version, 1);
  const token = await ctx.source.sendPullResp({ imme: true }, EUI);
  assert.is((await a.nextPullResp(1000))?.token, token);
  for (let i = 0; i < 50 && ctx.txAcks.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(ctx.txAcks, [{ token, error: null, gatewayEui: EUI }]);
  assert.is(b.pullResponses.length, 0);
  // A version-1 gateway is answered in version 1.
  await ctx.source.sendPullResp({ imme: true }, EUI_B);
  assert.is((await b.nextPullResp(1000))?.version, 1);
});

it('sendPullResp without a known gateway rejects with no_downlink_target', async (ctx) => {
  try {
    await ctx.source.sendPullResp({ imme: true }, EUI);
    assert.unreachable('should reject');
  } catch (err) {
    assert.instance(err, UdpSourceError);
    assert.is((err as UdpSourceError).code, 'no_downlink_target');
  }
});

it('stat is parsed, reported and kept as lastStat', async (ctx) => {
  const gw = sim(ctx);
  await gw.pushStat({ time: '2014-01-12 08:59:28 GMT', lati: 46.24, long: 3.2523, alti: 145, rxnb: 2, rxok: 2, rxfw: 2, ackr: 100, dwnb: 2, txnb: 2, temp: 'x' });
  const expected = {
    gatewayEui: EUI,
    receivedAt: 1_700_000_000_000,
    stat: { time: '2014-01-12 08:59:28 GMT', lati: 46.24, long: 3.2523, alti: 145, rxnb: 2, rxok: 2, rxfw: 2, ackr: 100, dwnb: 2, txnb: 2 },
  };
  assert.equal(ctx.stats, [expected]);
  assert.equal(ctx.source.lastStat(), expected);
  assert.equal(ctx.source.lastStat(EUI), expected);
  assert.is(ctx.source.lastStat(EUI_B), undefined);
  const c = ctx.source.counters();
  assert.equal([c.stat_received, c.stat_junk_fields, c.rx_frames], [1, 1, 0]);
});

it('a throwing frame handler is counted and does not stop acks or later frames', async (ctx) => {
  const gw = sim(ctx);
  ctx.throwInOnFrame = true;
  const rx = [makeRxpk({ payload: Buffer.from([1]) }), makeRxpk({ payload: Buffer.from([2]) })];
  assert.ok((await gw.pushRxpk(rx)).acked);
  assert.is(ctx.frames.length, 2);
  assert.is(ctx.source.counters().handler_errors, 2);
});

it('stop() twice is fine and releases the port', async (ctx) => {
  const port = ctx.source.address().port;
  await ctx.source.stop();
  await ctx.source.stop();
  assert.is(ctx.source.state(), 'stopped');
  const again = new UdpSource({ id: 'again', bind: `127.0.0.1:${port}`, logger: silentLogger(), onFrame: () => {} });
  await again.start();
  assert.is(again.address().port, port);
  await again.stop();
});

it('binding a port already in use rejects start() with a clear message', async (ctx) => {
  const port = ctx.source.address().port;
  const clash = new UdpSource({ id: 'clash', bind: `127.0.0.1:${port}`, logger: silentLogger(), onFrame: () => {} });
  try {
    await clash.start();
    assert.unreachable('should reject');
  } catch (err) {
    assert.instance(err, UdpSourceError);
    assert.is((err as UdpSourceError).code, 'bind_failed');
    assert.match((err as Error).message, `cannot bind 127.0.0.1:${port}`);
    assert.match((err as Error).message, 'already in use');
    assert.match((err as Error).message, 'EADDRINUSE');
  }
  assert.is(clash.state(), 'stopped');
  await clash.stop();
});

it('bad bind addresses reject start() with a clear message', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['nonsense', 'bad_bind_address', /bad bind address: "nonsense" is not host:port/],
    ['127.0.0.1:70000', 'bad_bind_address', /out of range/],
    ['192.0.2.1:0', 'bind_failed', /cannot bind 192\.0\.2\.1:0: address not available/],
  ];
  for (const [bind, code, message] of cases) {
    const src = new UdpSource({ id: 'bad', bind, logger: silentLogger(), onFrame: () => {} });
    try {
      await src.start();
      assert.unreachable(`${bind} should reject`);
    } catch (err) {
      assert.instance(err, UdpSourceError);
      assert.is((err as UdpSourceError).code, code, bind);
      assert.match((err as Error).message, message);
    }
    await src.stop();
  }
});

it('IPv6 bind "[::1]:0" works end to end', async () => {
  const frames: RadioFrame[] = [];
  const src = new UdpSource({ id: 'udp6', bind: '[::1]:0', logger: silentLogger(), onFrame: (f) => frames.push(f) });
  await src.start();
  const gw = new PacketForwarderSim({ target: `[::1]:${src.address().port}`, gatewayEui: EUI });
  try {
    assert.is((await gw.pushRxpk([makeRxpk({ payload: Buffer.from([7]) })])).acked, true);
    assert.is(frames.length, 1);
    assert.is((await gw.pullData()).acked, true);
    assert.is(src.downlinkTarget(EUI)?.address, '::1');
  } finally {
    await gw.close();
    await src.stop();
  }
});

it('simulator reports a timeout when nobody answers', async (ctx) => {
  await ctx.source.stop();
  const gw = new PacketForwarderSim({ target: ctx.target, gatewayEui: EUI, ackTimeoutMs: 50 });
  ctx.sims.push(gw);
  const outcome = await gw.pushRxpk([makeRxpk({ payload: Buffer.from([1]) })]);
  assert.is(outcome.acked, false);
  assert.is((await gw.pullData()).acked, false);
  const c = gw.counters();
  assert.equal([c.pushesSent, c.pushAcks, c.pushTimeouts, c.pullsSent, c.pullTimeouts], [1, 0, 1, 1, 1]);
});

it.run();
