// The human summary `lora-edge status` prints, rendered from the daemon's /status answer.
import type { DaemonSnapshot, HealthStatus } from './snapshot.js';
import { renderProgressBar } from '../outbox/progress.js';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h} h ${Math.round((s % 3600) / 60)} min`;
  return `${(s / 86400).toFixed(1)} days`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Draining: connected with a backlog worth a progress bar. */
const DRAIN_BAR_MIN_DEPTH = 1000;

/** The clock as the records see it, and what the corrections did. */
function clockLine(c: NonNullable<DaemonSnapshot['clock']>, f: DaemonSnapshot['forwarder']): string {
  const state = c.synced === true ? 'synchronised' : c.synced === false ? 'NOT synchronised (records are corrected once it is)' : `sync state unknown (${c.problem ?? 'no answer'})`;
  const parts = [`${state}, source ${c.syncSource}`];
  if (c.lastStepMs !== null) parts.push(`last step ${c.lastStepMs > 0 ? '+' : ''}${formatDuration(Math.abs(c.lastStepMs))}${c.lastStepMs < 0 ? ' back' : ''}`);
  if (f.capturedAtCorrected) parts.push(`${f.capturedAtCorrected} capture times corrected`);
  const uncorrected = Object.entries(f.capturedAtUncorrected ?? {}).filter(([, n]) => n > 0);
  if (uncorrected.length) parts.push(`sent uncorrected: ${uncorrected.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (c.testOffsetMs) parts.push(`TEST OFFSET ${c.testOffsetMs} ms`);
  return parts.join('; ');
}

export function renderStatus(s: DaemonSnapshot & { health: HealthStatus }): string {
  const lines: string[] = [];
  const pad = (label: string) => `${label}:`.padEnd(16);
  lines.push(`lora-edge ${s.version}, gateway ${s.gatewayId}, up ${formatDuration(s.uptimeMs)}`);
  lines.push(`${pad('health')}${s.health.status}${s.health.reasons.length ? `: ${s.health.reasons.join('; ')}` : ''}`);
  lines.push('radio sources:');
  for (const src of s.sources) {
    const last = src.lastFrameAt === null ? 'no frame yet' : `last frame ${formatDuration(s.now - src.lastFrameAt)} ago`;
    lines.push(`  ${src.id.padEnd(20)} ${src.state.padEnd(14)} ${last}; frames ok ${src.frames.ok}, bad CRC ${src.frames.bad}, no CRC ${src.frames.none}`);
  }
  lines.push(`${pad('mqtt')}${s.mqtt.state} (reconnects ${s.mqtt.reconnects}, publish timeouts ${s.mqtt.publishTimeouts})`);
  const o = s.outbox;
  lines.push(
    `${pad('outbox')}${o.depth} records, ${formatBytes(o.bytes)}, oldest ${o.oldestAgeMs === null ? '-' : formatDuration(o.oldestAgeMs)}` +
      (o.firstSeq !== null ? `, seq ${o.firstSeq}..${o.lastSeq}` : '') + `, next seq ${o.nextSeq}`,
  );
  lines.push(`${pad('delivered')}${s.forwarder.recordsAcked} records in ${s.forwarder.batchesAcked} batches`);
  const drain = s.forwarder.drain;
  if (s.mqtt.connected && o.depth >= DRAIN_BAR_MIN_DEPTH && drain) {
    const done = Math.max(0, s.forwarder.recordsAcked - drain.startAcked);
    const total = Math.max(done + o.depth, drain.startDepth);
    const rate = s.forwarder.drainRatePerS;
    const eta = rate > 0 ? formatDuration((o.depth / rate) * 1000) : 'unknown';
    lines.push(`${pad('draining')}${renderProgressBar(done, total)} ${Math.round(rate)} records/s, ETA ${eta}`);
  }
  if (s.intake && (s.intake.refused.overload > 0 || !s.intake.open)) {
    lines.push(`${pad('refused')}${s.intake.refused.overload} frames at overload${s.intake.open ? '' : ' (REFUSING NOW: the outbox cannot keep up)'}`);
  }
  if (s.clock) lines.push(`${pad('clock')}${clockLine(s.clock, s.forwarder)}`);
  const drops = Object.entries(s.drops).filter(([, n]) => n > 0);
  lines.push(`${pad('drops')}${drops.length ? drops.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`);
  const filtered = s.pipeline.filtered;
  if (filtered) {
    const parts = (['batch', 'live'] as const).flatMap((stream) =>
      Object.entries(filtered[stream]).filter(([, n]) => (n ?? 0) > 0).map(([k, n]) => `${stream} ${k} ${n}`));
    if (parts.length) lines.push(`${pad('filtered')}${parts.join(', ')}`);
  }
  if (s.devices) {
    const decoded = Object.values(s.devices.decoded).reduce((a, b) => a + b, 0);
    const errors = Object.values(s.devices.codecErrors).reduce((a, b) => a + b, 0);
    lines.push(`${pad('devices')}decoded ${decoded}, codec errors ${errors}, MIC failures ${s.devices.micFailures}, replays ${s.devices.replays}`);
    const reg = s.devices.registry;
    if (reg) {
      const state = reg.loaded ? `${reg.devices} devices` : 'NOT LOADED (no device is decoded)';
      lines.push(`${pad('registry')}${reg.file}: ${state}, reloads ${reg.reloads}, refused ${reg.reloadFailures}`);
      if (reg.lastFailure) lines.push(`${' '.repeat(16)}last refused: ${reg.lastFailure.problems[0]}`);
    }
  }
  const f = s.fleet;
  if (f) {
    const versions = [f.fleetVersion ? `fleet ${f.fleetVersion}` : null, f.gatewayVersion ? `gateway ${f.gatewayVersion}` : null].filter(Boolean).join(' + ') || 'no bundle';
    lines.push(`${pad('fleet')}${versions}: ${f.devices} devices (${f.shadowedByLocal} overridden locally), ${f.sessions} handed-over sessions, refused ${f.bundlesRefused}`);
    if (f.lastRefused) lines.push(`${' '.repeat(16)}last refused: ${f.lastRefused.scope} ${f.lastRefused.version ?? '?'} at ${f.lastRefused.at} (${f.lastRefused.reasons} reasons, see the log or fleet status)`);
  }
  return `${lines.join('\n')}\n`;
}
