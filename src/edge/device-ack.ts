// The events edge mode publishes on `<prefix>/gateway/<id>/hub/device-ack`, one per step of a
// command: queued, sent, acked (confirmed downlinks), failed (with a reason).

import { shorten } from '../bounded-text.js';

export type DeviceAckStatus = 'queued' | 'sent' | 'acked' | 'failed';

export interface DeviceAckEvent {
  /** The command's id; null when the command was too malformed to carry one. */
  id: string | null;
  devEui: string | null;
  status: DeviceAckStatus;
  /** Why it failed (failed only). */
  reason?: string;
  /** ISO 8601 time of the step. */
  at: string;
  /** sent: the frame counter and port the downlink went out with, and the receive window. */
  fCntDown?: number;
  fPort?: number;
  window?: 'RX1' | 'RX2' | 'class C';
  /** queued: commands waiting for this device, this one included. */
  queueLength?: number;
}

export type PublishDeviceAck = (event: DeviceAckEvent) => void;

export function deviceAckEvent(
  fields: Omit<DeviceAckEvent, 'at'>,
  now: number,
): DeviceAckEvent {
  const event: DeviceAckEvent = { id: fields.id, devEui: fields.devEui, status: fields.status, at: new Date(now).toISOString() };
  // Reasons may quote the command or a codec: bounded, so the event always fits one MQTT packet.
  if (fields.reason !== undefined) event.reason = shorten(fields.reason);
  if (fields.fCntDown !== undefined) event.fCntDown = fields.fCntDown;
  if (fields.fPort !== undefined) event.fPort = fields.fPort;
  if (fields.window !== undefined) event.window = fields.window;
  if (fields.queueLength !== undefined) event.queueLength = fields.queueLength;
  return event;
}
