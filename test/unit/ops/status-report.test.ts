import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderStatus, formatDuration, formatBytes } from '../../../src/ops/status-report.js';
import { healthOf, RateMeter, type DaemonSnapshot } from '../../../src/ops/snapshot.js';

function snapshot(over: Partial<DaemonSnapshot> = {}): DaemonSnapshot {
  const now = Date.UTC(2026, 10, 23, 12);
  return {
    gatewayId: '0016c001ff10a235', version: '0.1.0', now, uptimeMs: 3_723_000,
    sources: [{ id: 'udp', state: 'listening', frames: { ok: 10, bad: 1, none: 0 }, lastFrameAt: now - 4000, counters: {} }],
    mqtt: { state: 'connected', connected: true, connects: 1, reconnects: 0, disconnects: 0, publishTimeouts: 0, published: 5, acked: 5, publishErrors: 0, liveSkipped: 0,
      connectAttempts: 1, closes: 0, oversizeRefused: 0, noSubscriber: 0, closesRecent: 0 },
    outbox: { depth: 0, bytes: 0, firstSeq: null, lastSeq: null, oldestCapturedAt: null, nextSeq: 11, pending: 0,
      dropped: { overflow: 0, expired: 0, corrupt: 0, pending_overflow: 0, write_error: 0 }, writeErrors: 0, appended: 10, acked: 10, flushes: 3, reopens: 0, oldestAgeMs: null },
    forwarder: { batchesPublished: 3, batchesAcked: 3, recordsAcked: 10, batchErrors: 0, inflight: 0, lastAckedSeq: 10, gapsDetected: 0, skippedRepaired: 0, stuckBatches: 0, recordsShortened: 0, recordsTooLarge: 0, heldNoSubscriber: 0, awaitingHub: 0, hubAcked: 0, hubAckTimeouts: 0, hubAcksRefused: 0, drainRatePerS: 0, drain: null },
    pipeline: { received: 11, crcOk: 10, crcBad: 1, crcNone: 0, forwarded: 10, duplicates: 0, invalidLorawan: 0, liveSent: 10, liveSkipped: 0, dropped: { crc_bad: 1 }, mType: {} },
    drops: { crc_bad: 1 }, devices: null, unstoredDropped: 0, storeRecoveries: [],
    downlinks: { byStatus: {}, dutyCycle: [], edge: null },
    ...over,
  };
}

test('a healthy gateway', () => {
  const s = snapshot();
  const text = renderStatus({ ...s, health: healthOf(s) });
  assert.match(text, /^lora-edge 0\.1\.0, gateway 0016c001ff10a235, up 62 min/);
  assert.match(text, /health:\s+ok\n/);
  assert.match(text, /udp\s+listening\s+last frame 4 s ago; frames ok 10, bad CRC 1, no CRC 0/);
  assert.match(text, /outbox:\s+0 records, 0 B, oldest -/);
  assert.match(text, /drops:\s+crc_bad 1/);
  assert.not.match(text, /draining/);
});

test('overload: refused frames are shown, and the health is degraded while the door is closed', () => {
  const door = { refused: { overload: 1234 }, episodes: 2, maxWaitingRecords: 4096, maxWaitingBytes: 4 << 20 };
  const closed = snapshot({ intake: { ...door, open: false } });
  const health = healthOf(closed);
  assert.is(health.status, 'degraded');
  assert.match(health.reasons.join('\n'), /overloaded: .*1234 so far/);
  assert.match(renderStatus({ ...closed, health }), /refused:\s+1234 frames at overload \(REFUSING NOW/);
  const over = snapshot({ intake: { ...door, open: true } });
  assert.is(healthOf(over).status, 'ok', 'refusals in the past alone do not degrade the health');
  assert.match(renderStatus({ ...over, health: healthOf(over) }), /refused:\s+1234 frames at overload\n/);
  const never = snapshot({ intake: { ...door, refused: { overload: 0 }, open: true } });
  assert.not.match(renderStatus({ ...never, health: healthOf(never) }), /refused:/);
});

test('draining a backlog shows progress, rate and ETA', () => {
  const base = snapshot();
  const s = snapshot({
    outbox: { ...base.outbox, depth: 60_000, bytes: 45_000_000, firstSeq: 40_001, lastSeq: 100_000, oldestAgeMs: 7_200_000 },
    forwarder: { ...base.forwarder, recordsAcked: 40_010, drainRatePerS: 20_000, drain: { since: 0, startDepth: 100_000, startAcked: 10 } },
  });
  const text = renderStatus({ ...s, health: healthOf(s) });
  assert.match(text, /draining:\s+\[#{12}\.{18}\] 40% 40000\/100000 20000 records\/s, ETA 3 s/);
  assert.match(text, /oldest 2 h 0 min, seq 40001\.\.100000/);
  assert.match(text, /health:\s+degraded: outbox backlog: oldest record waiting 7200 s/);
});

test('health reasons', () => {
  const base = snapshot();
  const h = healthOf(snapshot({
    mqtt: { ...base.mqtt, state: 'disconnected (ECONNREFUSED)', connected: false },
    sources: [{ ...base.sources[0], id: 'serial:/dev/ttyACM0', state: 'reopening' }],
    outbox: { ...base.outbox, dropped: { ...base.outbox.dropped, overflow: 12 } },
  }));
  assert.is(h.status, 'degraded');
  assert.equal(h.reasons, [
    'MQTT broker not connected (disconnected (ECONNREFUSED)); uplinks are kept in the outbox',
    'radio source serial:/dev/ttyACM0 is reopening',
    'outbox reached its bound: 12 oldest records dropped',
  ]);
});

test('the device registry: not loaded, reload refused, fine', () => {
  const devices = { micFailures: 0, replays: 0, unknown: 0, decoded: {}, codecErrors: {} };
  const registry = { file: '/etc/lora-edge/devices.yaml', loaded: false, devices: 0, reloads: 0, reloadFailures: 1,
    lastFailure: { at: 0, problems: ['/etc/lora-edge/devices.yaml [line 7]: not valid YAML: alias *room refers to no anchor'] } };
  const none = snapshot({ devices: { ...devices, registry } });
  const h1 = healthOf(none);
  assert.equal(h1.reasons, ['device registry /etc/lora-edge/devices.yaml cannot be used, no device is decoded: /etc/lora-edge/devices.yaml [line 7]: not valid YAML: alias *room refers to no anchor']);
  const text = renderStatus({ ...none, health: h1 });
  assert.match(text, /registry:\s+\/etc\/lora-edge\/devices\.yaml: NOT LOADED \(no device is decoded\), reloads 0, refused 1\n\s+last refused: .*\[line 7\]/);

  const refused = snapshot({ devices: { ...devices, registry: { ...registry, loaded: true, devices: 5, reloads: 1, reloadFailures: 2 } } });
  assert.match(healthOf(refused).reasons[0], /^device registry \/etc\/lora-edge\/devices\.yaml reload refused, the previous one \(5 devices\) stays: .*\[line 7\]/);
  const fine = snapshot({ devices: { ...devices, registry: { ...registry, loaded: true, devices: 5, reloads: 2, lastFailure: null } } });
  assert.is(healthOf(fine).status, 'ok');
  assert.match(renderStatus({ ...fine, health: healthOf(fine) }), /registry:\s+\/etc\/lora-edge\/devices\.yaml: 5 devices, reloads 2, refused 1\n/);
});

test('fleet: versions, devices, sessions and the last refusal', () => {
  const fleet = {
    fleetVersion: 'v3', gatewayVersion: 'g1', devices: 25000, shadowedByLocal: 2, sessions: 4, bundlesApplied: 3, bundlesRefused: 1,
    sessionUpdates: 4, sessionUpdatesRefused: 0, lastRefused: { scope: 'fleet', version: 'v2', at: '2026-12-06T14:00:00.000Z', reasons: 2 },
  };
  const s = snapshot({ fleet });
  const text = renderStatus({ ...s, health: healthOf(s) });
  assert.match(text, /fleet:\s+fleet v3 \+ gateway g1: 25000 devices \(2 overridden locally\), 4 handed-over sessions, refused 1\n\s+last refused: fleet v2 at 2026-12-06T14:00:00.000Z \(2 reasons/);
  assert.not.match(renderStatus({ ...snapshot({}), health: healthOf(snapshot({})) }), /fleet:/);
});

test('formatting and rate meter', () => {
  assert.is(formatDuration(4_000), '4 s');
  assert.is(formatDuration(600_000), '10 min');
  assert.is(formatDuration(3 * 86_400_000), '3.0 days');
  assert.is(formatBytes(1536), '1.5 KiB');
  const m = new RateMeter(10_000);
  m.sample(0, 0);
  m.sample(500, 1000);
  m.sample(1500, 2000);
  assert.is(m.perSecond(), 750);
  m.sample(2000, 20_000);
  assert.is(Math.round(m.perSecond()), 28, 'old samples leave the window');
});

test.run();
