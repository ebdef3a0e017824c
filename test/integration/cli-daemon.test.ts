// The daemon as an operator runs it: `lora-edge run --config FILE` as a child process, traffic
// from `lora-edge simulate udp`, SIGTERM for a clean stop and SIGKILL for the last will.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { startAedes, type TestBroker } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { freeUdpPort, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { runCli, spawnCli } from '../helpers/cli.js';

interface Ctx {
  broker: TestBroker;
  dir: string;
  config: string;
  udp: string;
  collector: Collector;
  daemon?: ChildProcess;
  stderr: string;
}
const daemon = suite<Ctx>('daemon process');

daemon.before.each(async (ctx) => {
  ctx.broker = await startAedes();
  ctx.dir = mkdtempSync(join(tmpdir(), 'lora-edge-daemon-'));
  ctx.udp = `127.0.0.1:${await freeUdpPort()}`;
  ctx.config = join(ctx.dir, 'config.yaml');
  writeFileSync(
    ctx.config,
    `gateway: {id: "${TEST_GATEWAY_ID}"}
sources: [{type: udp, bind: "${ctx.udp}"}]
mqtt: {url: "${ctx.broker.url}", keepalive: 2s}
storage: {dir: "${join(ctx.dir, 'data')}"}
ops: {http: {enabled: false}}
log: {level: info}
`,
  );
  ctx.collector = await Collector.connect(ctx.broker.url, [`eu868/gateway/${TEST_GATEWAY_ID}/#`]);
  ctx.stderr = '';
});

daemon.after.each(async (ctx) => {
  if (ctx.daemon && ctx.daemon.exitCode === null && ctx.daemon.signalCode === null) ctx.daemon.kill('SIGKILL');
  await ctx.collector.close();
  await ctx.broker.stop();
  rmSync(ctx.dir, { recursive: true, force: true });
});

function start(ctx: Ctx): void {
  ctx.daemon = spawnCli(['run', '--config', ctx.config]);
  ctx.daemon.stdout!.on('data', (c) => (ctx.stderr += c));
  ctx.daemon.stderr!.on('data', (c) => (ctx.stderr += c));
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

const state = (c: Collector) => c.on('/state/conn').map((m) => gw.ConnState.deserializeBinary(new Uint8Array(m.payload)).getState());

daemon('simulated uplinks flow end to end; SIGTERM stops cleanly within 5 s with OFFLINE', async (ctx) => {
  start(ctx);
  await ctx.collector.waitFor(() => state(ctx.collector).includes(gw.ConnState.State.ONLINE), 'ONLINE', 15_000);
  const sim = await runCli(['simulate', 'udp', '--target', ctx.udp, '--rate', '200', '--count', '40', '--devices', '4']);
  assert.is(sim.code, 0, sim.stderr);
  const summary = JSON.parse(sim.stdout);
  assert.is(summary.framesSent, 40);
  assert.is(summary.pushAcks, summary.datagramsSent, 'every PUSH_DATA acknowledged');
  // The simulator's devices start again at FCnt 0 in every run, so its first frames are the same
  // bytes as the last run's: within the daemon's 200 ms de-duplication window they are copies of one
  // transmission and dropped (a fast machine starts the next run that soon). Wait the window out.
  await new Promise((r) => setTimeout(r, 300));
  // --prebuild (what the benchmarks use): every frame built first, then sent; it says when it starts.
  const prebuilt = await runCli(['simulate', 'udp', '--target', ctx.udp, '--rate', '500', '--count', '37', '--devices', '3', '--prebuild']);
  assert.is(prebuilt.code, 0, prebuilt.stderr);
  assert.match(prebuilt.stderr, /37 frames built, sending/);
  const prebuiltSummary = JSON.parse(prebuilt.stdout);
  assert.is(prebuiltSummary.framesSent, 37);
  assert.is(prebuiltSummary.datagramsSent, 5, 'eight frames per PUSH_DATA, as lora_pkt_fwd sends them');
  assert.is(prebuiltSummary.pushAcks, 5);
  const endless = await runCli(['simulate', 'udp', '--target', ctx.udp, '--prebuild']);
  assert.is(endless.code, 2, endless.stderr);
  assert.match(endless.stderr, /--prebuild needs --count/);
  await ctx.collector.waitFor(() => ctx.collector.on('/event/up').length >= 77, '77 event/up');
  await ctx.collector.waitFor(
    () => ctx.collector.on('/hub/batch').reduce((n, m) => n + JSON.parse(m.payload.toString()).records.length, 0) >= 77,
    '77 batched records',
  );
  assert.match(ctx.stderr, /"msg":"uplink"/, 'each frame is logged as it is forwarded');

  const t0 = Date.now();
  ctx.daemon!.kill('SIGTERM');
  const { code } = await exited(ctx.daemon!);
  assert.is(code, 0, ctx.stderr);
  assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
  await ctx.collector.waitFor(() => state(ctx.collector).at(-1) === gw.ConnState.State.OFFLINE, 'OFFLINE after SIGTERM');
});

daemon('SIGKILL: the broker publishes the last will (OFFLINE, retained)', async (ctx) => {
  start(ctx);
  await ctx.collector.waitFor(() => state(ctx.collector).includes(gw.ConnState.State.ONLINE), 'ONLINE', 15_000);
  ctx.daemon!.kill('SIGKILL');
  await exited(ctx.daemon!);
  await ctx.collector.waitFor(() => state(ctx.collector).at(-1) === gw.ConnState.State.OFFLINE, 'last will OFFLINE', 10_000);
});

daemon('a second daemon on the same storage refuses to start with a clear message', async (ctx) => {
  start(ctx);
  await ctx.collector.waitFor(() => state(ctx.collector).includes(gw.ConnState.State.ONLINE), 'ONLINE', 15_000);
  const second = await runCli(['run', '--config', ctx.config]);
  assert.is(second.code, 1);
  assert.match(second.stdout + second.stderr, /could not start/);
  assert.match(second.stdout + second.stderr, /locked|in use|bind/i);
});

daemon.run();
