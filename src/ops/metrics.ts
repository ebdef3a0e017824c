// Prometheus metrics (prom-client), read from a DaemonSnapshot at scrape time: nothing is counted
// twice and the hot path pays nothing for metrics.
import { Registry, Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import type { DaemonSnapshot } from './snapshot.js';
import { IMPLAUSIBLE_COUNTER_PREFIX } from '../radio/plausibility.js';

type Snap = () => DaemonSnapshot;

/** framesOtherGateway -> frames_other_gateway (Prometheus label values read better so). */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
}

function counter(reg: Registry, name: string, help: string, labelNames: string[], fill: (c: Counter, s: DaemonSnapshot) => void, snap: Snap) {
  return new Counter({
    name, help, labelNames, registers: [reg],
    collect() {
      this.reset();
      fill(this, snap());
    },
  });
}

function gauge(reg: Registry, name: string, help: string, labelNames: string[], fill: (g: Gauge, s: DaemonSnapshot) => void, snap: Snap) {
  return new Gauge({
    name, help, labelNames, registers: [reg],
    collect() {
      this.reset();
      fill(this, snap());
    },
  });
}

/** A registry exposing lora-edge's metrics plus Node's process metrics. */
export function createMetricsRegistry(snapshot: Snap): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg, prefix: 'lora_edge_' });
  // One snapshot per scrape, shared by every metric below.
  let cached: { at: number; s: DaemonSnapshot } | undefined;
  const snap = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 100) cached = { at: now, s: snapshot() };
    return cached.s;
  };
  counter(reg, 'lora_edge_frames_received_total', 'Radio frames received, per source and CRC status.', ['source', 'crc'], (c, s) => {
    for (const src of s.sources) for (const crc of ['ok', 'bad', 'none'] as const) c.inc({ source: src.id, crc }, src.frames[crc]);
  }, snap);
  counter(reg, 'lora_edge_frames_implausible_total', 'Frames refused by their source for impossible radio metadata, per source and reason.', ['source', 'reason'], (c, s) => {
    for (const src of s.sources) {
      for (const [key, n] of Object.entries(src.counters)) {
        if (key.startsWith(IMPLAUSIBLE_COUNTER_PREFIX)) c.inc({ source: src.id, reason: key.slice(IMPLAUSIBLE_COUNTER_PREFIX.length) }, n);
      }
    }
  }, snap);
  counter(reg, 'lora_edge_frames_refused_total', 'Frames refused at the radio sources before parsing, per reason (overload: the outbox could not keep up).', ['reason'], (c, s) => {
    if (s.intake) for (const [reason, n] of Object.entries(s.intake.refused)) c.inc({ reason }, n);
  }, snap);
  counter(reg, 'lora_edge_frames_forwarded_total', 'Frames stored in the outbox for delivery.', [], (c, s) => c.inc(s.pipeline.forwarded), snap);
  counter(reg, 'lora_edge_frames_duplicate_total', 'Frames ignored as copies of one just received.', [], (c, s) => c.inc(s.pipeline.duplicates), snap);
  counter(reg, 'lora_edge_frames_invalid_lorawan_total', 'Frames that are not valid LoRaWAN (forwarded raw).', [], (c, s) => c.inc(s.pipeline.invalidLorawan), snap);
  counter(reg, 'lora_edge_mic_failures_total', 'Frames of known devices whose MIC failed.', [], (c, s) => c.inc(s.devices?.micFailures ?? 0), snap);
  counter(reg, 'lora_edge_fcnt_replays_total', 'Frames of known devices whose frame counter did not advance.', [], (c, s) => c.inc(s.devices?.replays ?? 0), snap);
  counter(reg, 'lora_edge_decodes_total', 'Payloads decoded, per codec.', ['codec'], (c, s) => {
    for (const [codec, n] of Object.entries(s.devices?.decoded ?? {})) c.inc({ codec }, n);
  }, snap);
  counter(reg, 'lora_edge_codec_errors_total', 'Codec runs that returned errors, per codec.', ['codec'], (c, s) => {
    for (const [codec, n] of Object.entries(s.devices?.codecErrors ?? {})) c.inc({ codec }, n);
  }, snap);
  counter(reg, 'lora_edge_registry_reloads_total', 'Device registry loads applied (start, SIGHUP, file change).', [], (c, s) =>
    c.inc(s.devices?.registry?.reloads ?? 0), snap);
  counter(reg, 'lora_edge_registry_reload_failures_total', 'Device registry or profile loads refused (the previous registry stayed).', [], (c, s) =>
    c.inc(s.devices?.registry?.reloadFailures ?? 0), snap);
  gauge(reg, 'lora_edge_registry_loaded', '1 while a device registry is in use; 0 when none could be loaded.', [], (g, s) => {
    if (s.devices?.registry) g.set(s.devices.registry.loaded ? 1 : 0);
  }, snap);
  gauge(reg, 'lora_edge_registry_devices', 'Devices in the registry in use.', [], (g, s) => {
    if (s.devices?.registry) g.set(s.devices.registry.devices);
  }, snap);
  counter(reg, 'lora_edge_drops_total', 'Frames or records dropped, per reason.', ['reason'], (c, s) => {
    for (const [reason, n] of Object.entries(s.drops)) c.inc({ reason }, n);
  }, snap);
  gauge(reg, 'lora_edge_outbox_depth', 'Records waiting in the outbox.', [], (g, s) => g.set(s.outbox.depth), snap);
  gauge(reg, 'lora_edge_outbox_bytes', 'Bytes of records in the outbox.', [], (g, s) => g.set(s.outbox.bytes), snap);
  gauge(reg, 'lora_edge_outbox_oldest_age_seconds', 'Age of the oldest record in the outbox (0 when empty).', [], (g, s) =>
    g.set((s.outbox.oldestAgeMs ?? 0) / 1000), snap);
  counter(reg, 'lora_edge_outbox_write_errors_total', 'Failed outbox writes.', [], (c, s) => c.inc(s.outbox.writeErrors), snap);
  counter(reg, 'lora_edge_batches_published_total', 'Batches published to the hub.', [], (c, s) => c.inc(s.forwarder.batchesPublished), snap);
  counter(reg, 'lora_edge_batches_acked_total', 'Batches acknowledged by the broker.', [], (c, s) => c.inc(s.forwarder.batchesAcked), snap);
  counter(reg, 'lora_edge_records_delivered_total', 'Records delivered (acknowledged) to the hub.', [], (c, s) => c.inc(s.forwarder.recordsAcked), snap);
  gauge(reg, 'lora_edge_store_recovered', '1 for each store found damaged at start, per store and action (repaired, moved-aside).', ['store', 'action'], (g, s) => {
    for (const r of s.storeRecoveries) g.set({ store: r.store, action: r.action }, 1);
  }, snap);
  counter(reg, 'lora_edge_forwarder_seq_gaps_total', 'Seq gaps found by the forwarder that no delivery or counted drop explains (should stay 0).', [], (c, s) =>
    c.inc(s.forwarder.gapsDetected), snap);
  counter(reg, 'lora_edge_batches_no_subscriber_total', 'Batches the broker took with nobody subscribed (MQTT 5), kept in the outbox and sent again.', [], (c, s) =>
    c.inc(s.forwarder.heldNoSubscriber), snap);
  gauge(reg, 'lora_edge_batches_awaiting_hub', 'Batches the broker took that wait for the hub\'s acknowledgement (batch.hubAck).', [], (g, s) =>
    g.set(s.forwarder.awaitingHub), snap);
  counter(reg, 'lora_edge_batches_hub_acked_total', 'Batches the hub confirmed it committed (batch.hubAck).', [], (c, s) => c.inc(s.forwarder.hubAcked), snap);
  counter(reg, 'lora_edge_hub_acks_refused_total', 'Messages on the hub acknowledgement topic that were not acknowledgements (ignored).', [], (c, s) =>
    c.inc(s.forwarder.hubAcksRefused), snap);
  counter(reg, 'lora_edge_hub_ack_timeouts_total', 'Times the hub confirmed nothing within batch.hubAck.timeout and the unconfirmed batches were sent again.', [], (c, s) =>
    c.inc(s.forwarder.hubAckTimeouts), snap);
  counter(reg, 'lora_edge_forwarder_stuck_batches_total', 'Batches unacknowledged too long while connected, then sent again.', [], (c, s) =>
    c.inc(s.forwarder.stuckBatches), snap);
  gauge(reg, 'lora_edge_mqtt_connected', '1 while connected to the MQTT broker.', [], (g, s) => g.set(s.mqtt.connected ? 1 : 0), snap);
  counter(reg, 'lora_edge_mqtt_reconnects_total', 'Reconnections to the MQTT broker.', [], (c, s) => c.inc(s.mqtt.reconnects), snap);
  counter(reg, 'lora_edge_mqtt_connection_attempts_total', 'Attempts to open the MQTT connection (a loop that never connects shows here, not in reconnects).', [], (c, s) =>
    c.inc(s.mqtt.connectAttempts), snap);
  counter(reg, 'lora_edge_mqtt_connection_closes_total', 'MQTT connections (or attempts) closed.', [], (c, s) => c.inc(s.mqtt.closes), snap);
  gauge(reg, 'lora_edge_mqtt_recent_closes', 'MQTT connections closed in the last 5 minutes.', [], (g, s) => g.set(s.mqtt.closesRecent), snap);
  counter(reg, 'lora_edge_mqtt_oversize_refused_total', 'Messages not published because they exceed the MQTT packet limit.', [], (c, s) =>
    c.inc(s.mqtt.oversizeRefused), snap);
  counter(reg, 'lora_edge_records_oversize_total', 'Records too large for one MQTT packet: shortened (decoded data left out) or dropped.', ['outcome'], (c, s) => {
    c.inc({ outcome: 'shortened' }, s.forwarder.recordsShortened);
    c.inc({ outcome: 'dropped' }, s.forwarder.recordsTooLarge);
  }, snap);
  counter(reg, 'lora_edge_mqtt_publish_timeouts_total', 'Publishes not acknowledged in time (each forces a reconnect).', [], (c, s) =>
    c.inc(s.mqtt.publishTimeouts), snap);
  counter(reg, 'lora_edge_live_skipped_total', 'Frames not sent on the live event/up stream (offline, too old, back-pressure).', [], (c, s) =>
    c.inc(s.pipeline.liveSkipped), snap);
  counter(reg, 'lora_edge_frames_filtered_total', 'Frames kept out of a stream (live event/up, batch) by the uplink filters, per reason (net_id, dev_addr, join_eui, unregistered).', ['stream', 'reason'], (c, s) => {
    const filtered = s.pipeline.filtered;
    if (!filtered) return;
    for (const stream of ['live', 'batch'] as const) for (const [reason, n] of Object.entries(filtered[stream])) c.inc({ stream, reason }, n ?? 0);
  }, snap);
  gauge(reg, 'lora_edge_source_up', '1 when a radio source is receiving, per source and state.', ['source', 'state'], (g, s) => {
    for (const src of s.sources) g.set({ source: src.id, state: src.state }, /^(listening|receiving|open)/.test(src.state) ? 1 : 0);
  }, snap);
  gauge(reg, 'lora_edge_source_last_frame_age_seconds', 'Seconds since the last frame, per source.', ['source'], (g, s) => {
    for (const src of s.sources) if (src.lastFrameAt !== null) g.set({ source: src.id }, (s.now - src.lastFrameAt) / 1000);
  }, snap);
  counter(reg, 'lora_edge_downlinks_total', 'Downlink transmissions, by the status the radio (or the scheduler) reported.', ['status'], (c, s) => {
    for (const [status, n] of Object.entries(s.downlinks.byStatus)) c.inc({ status }, n);
  }, snap);
  gauge(reg, 'lora_edge_duty_cycle_used_ratio', 'Share of the sub-band duty-cycle budget used in the last hour.', ['sub_band'], (g, s) => {
    for (const d of s.downlinks.dutyCycle) g.set({ sub_band: d.name }, d.allowedMs > 0 ? d.usedMs / d.allowedMs : 0);
  }, snap);
  counter(reg, 'lora_edge_edge_joins_total', 'OTAA joins accepted at the edge.', [], (c, s) => c.inc(s.downlinks.edge?.joinsAccepted ?? 0), snap);
  counter(reg, 'lora_edge_device_commands_total', 'Hub commands for devices, by outcome.', ['outcome'], (c, s) => {
    for (const [outcome, n] of Object.entries(s.downlinks.edge?.commands ?? {})) c.inc({ outcome }, n);
  }, snap);
  counter(reg, 'lora_edge_ns_downlink_events_total', 'ChirpStack command/down handling: frames received, malformed, for another gateway, sent, not sent; items tried; acks published and failed.', ['event'], (c, s) => {
    for (const [event, n] of Object.entries(s.downlinks.networkServer ?? {})) c.inc({ event: snakeCase(event) }, n);
  }, snap);
  counter(reg, 'lora_edge_device_acks_dropped_total', 'Device-command events for the hub lost: the queue bound was reached while offline, or the event was too large to publish.', ['reason'], (c, s) => {
    const acks = s.downlinks.deviceAcks;
    if (!acks) return;
    c.inc({ reason: 'queue_full' }, acks.dropped);
    c.inc({ reason: 'too_large' }, acks.tooLarge);
  }, snap);
  gauge(reg, 'lora_edge_clock_synchronised', 'System clock synchronised as last read: 1 yes, 0 no, -1 unknown (clock.syncSource).', [], (g, s) => {
    if (s.clock) g.set(s.clock.synced === null ? -1 : s.clock.synced ? 1 : 0);
  }, snap);
  counter(reg, 'lora_edge_records_capture_time_total', 'Records delivered that were captured with the clock not known synchronised: capturedAt corrected, or sent as captured (per reason).', ['outcome'], (c, s) => {
    c.inc({ outcome: 'corrected' }, s.forwarder.capturedAtCorrected ?? 0);
    for (const [reason, n] of Object.entries(s.forwarder.capturedAtUncorrected ?? {})) c.inc({ outcome: reason }, n);
  }, snap);
  gauge(reg, 'lora_edge_fleet_devices', 'Devices in use from fleet bundles (those the local registry does not override).', [], (g, s) => {
    if (s.fleet) g.set(s.fleet.devices);
  }, snap);
  gauge(reg, 'lora_edge_fleet_bundle_info', 'The fleet bundles in use: 1 per scope with its version.', ['scope', 'version'], (g, s) => {
    if (s.fleet?.fleetVersion) g.set({ scope: 'fleet', version: s.fleet.fleetVersion }, 1);
    if (s.fleet?.gatewayVersion) g.set({ scope: 'gateway', version: s.fleet.gatewayVersion }, 1);
  }, snap);
  counter(reg, 'lora_edge_fleet_bundles_total', 'Fleet bundles applied and refused.', ['outcome'], (c, s) => {
    if (!s.fleet) return;
    c.inc({ outcome: 'applied' }, s.fleet.bundlesApplied);
    c.inc({ outcome: 'refused' }, s.fleet.bundlesRefused);
  }, snap);
  counter(reg, 'lora_edge_fleet_session_updates_total', 'Session hand-overs from the hub, taken and refused.', ['outcome'], (c, s) => {
    if (!s.fleet) return;
    c.inc({ outcome: 'taken' }, s.fleet.sessionUpdates);
    c.inc({ outcome: 'refused' }, s.fleet.sessionUpdatesRefused);
  }, snap);
  gauge(reg, 'lora_edge_fleet_sessions', 'Handed-over sessions held.', [], (g, s) => {
    if (s.fleet) g.set(s.fleet.sessions);
  }, snap);
  gauge(reg, 'lora_edge_uptime_seconds', 'Seconds since the daemon started.', [], (g, s) => g.set(s.uptimeMs / 1000), snap);
  counter(reg, 'lora_edge_log_events_total', 'Warnings, errors and fatal errors logged since start, per level.', ['level'], (c, s) => {
    for (const [level, n] of Object.entries(s.problems?.counts ?? {})) c.inc({ level }, n);
  }, snap);
  gauge(reg, 'lora_edge_devices_heard', 'Devices heard since start, up to the bound the technician page keeps.', [], (g, s) => g.set(s.traffic?.devices.length ?? 0), snap);
  return reg;
}
