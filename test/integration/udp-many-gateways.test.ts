// Hostile peers on the UDP source: PULL_DATA and PUSH_DATA stat from 600,000 distinct gateway EUIs
// over real loopback UDP. The per-gateway tables stay bounded (sizes asserted, not RSS), the
// newest gateways are still served, and silent gateways are forgotten after the expiry.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { silentLogger } from '../../src/log.js';
import { GATEWAYS_KEPT } from '../../src/radio/udp/udp-source.js';
import { TMST_OWNERS_KEPT } from '../../src/radio/udp/gateway-registry.js';
import { ObservedUdpSource as UdpSource } from '../../src/testing/observed-udp-source.js';
import { buildPullData, buildPushData } from '../../src/radio/udp/gateway-side.js';

const TOTAL_EUIS = 600_000;
/** Datagrams in flight before waiting for their acks (the socket buffer must not overflow). */
const WINDOW = 256;

function euiOf(n: number): string {
  return (0xfe00_0000_0000_0000n + BigInt(n)).toString(16).padStart(16, '0');
}

/** Sends every datagram and waits for one ack per datagram, a window at a time (lost ones are re-sent). */
async function blast(port: number, build: (i: number) => Buffer, count: number): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let acked = 0;
  let onAck: (() => void) | undefined;
  sock.on('message', () => {
    acked += 1;
    onAck?.();
  });
  try {
    for (let start = 0; start < count; start += WINDOW) {
      const end = Math.min(count, start + WINDOW);
      const want = acked + (end - start);
      for (let i = start; i < end; i++) sock.send(build(i), port, '127.0.0.1');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          onAck = undefined;
          resolve();
        }, 200);
        onAck = () => {
          if (acked >= want) {
            clearTimeout(timer);
            onAck = undefined;
            resolve();
          }
        };
      });
    }
    return acked;
  } finally {
    sock.close();
  }
}

const it = suite('udp source with 600k gateway EUIs');

it('PULL_DATA and stat from 600,000 EUIs: tables stay at their bound, the latest gateways are served', async () => {
  const source = new UdpSource({ id: 'udp', bind: '127.0.0.1:0', logger: silentLogger(), onFrame: () => undefined });
  await source.start();
  try {
    const port = source.address().port;
    const started = Date.now();
    const pulls = await blast(port, (i) => buildPullData(2, i & 0xffff, euiOf(i)), TOTAL_EUIS);
    const stat = { stat: { time: '2026-12-06 10:00:00 GMT', rxnb: 1, rxok: 1, rxfw: 1, ackr: 100, dwnb: 0, txnb: 0 } };
    const pushes = await blast(port, (i) => buildPushData(2, i & 0xffff, euiOf(TOTAL_EUIS + i), stat), 50_000);
    console.log(`  ${pulls} PULL_ACKs and ${pushes} PUSH_ACKs in ${Date.now() - started} ms`);
    // Almost everything got through (loopback), so far more EUIs than the bound were seen.
    assert.ok(pulls > TOTAL_EUIS * 0.9, `only ${pulls} PULL_DATA acknowledged`);
    const sizes = source.tableSizes();
    assert.ok(sizes.targets <= GATEWAYS_KEPT, `targets: ${sizes.targets}`);
    assert.ok(sizes.stats <= GATEWAYS_KEPT, `stats: ${sizes.stats}`);
    assert.ok(sizes.tmstOwners <= 2 * TMST_OWNERS_KEPT, `tmst owners: ${sizes.tmstOwners}`);
    assert.is(sizes.txAckWaiters, 0);
    assert.ok(source.counters().gateways_evicted >= pulls - GATEWAYS_KEPT);
    // The gateway that pulled last is remembered; one from the start was evicted.
    assert.ok(source.downlinkTarget(euiOf(TOTAL_EUIS - 1)), 'the last gateway must still have a downlink target');
    assert.is(source.downlinkTarget(euiOf(0)), undefined);
  } finally {
    await source.stop();
  }
});

it('a gateway silent for longer than the expiry is forgotten', async () => {
  let now = Date.UTC(2026, 11, 6);
  const source = new UdpSource({ id: 'udp', bind: '127.0.0.1:0', logger: silentLogger(), onFrame: () => undefined, now: () => now });
  await source.start();
  try {
    const port = source.address().port;
    await blast(port, (i) => buildPullData(2, i, euiOf(i)), 10);
    assert.is(source.tableSizes().targets, 10);
    assert.ok(source.downlinkTarget(euiOf(3)));
    now += 5 * 60_000;
    assert.is(source.downlinkTarget(euiOf(3)), undefined, 'expired target must not be used');
    await blast(port, (i) => buildPullData(2, i, euiOf(100 + i)), 1);
    assert.is(source.tableSizes().targets, 1, 'expired entries are swept on the next insert');
  } finally {
    await source.stop();
  }
});

it.run();
