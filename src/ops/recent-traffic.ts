// What the technician's page shows of the traffic: the last uplinks (device, RSSI, SNR, a short
// summary of the decoded values) and the devices heard (last seen, signal, frame counter, codec
// errors). An uplink exit, so it sees exactly what the pipeline produced; bounded, whatever the
// radio hears: a ring of the last uplinks and at most `maxDevices` devices (the least recently
// heard forgotten first).
import type { Uplink, UplinkExit } from '../pipeline/uplink.js';
import { RingBuffer } from '../ring-buffer.js';
import { shorten } from '../bounded-text.js';

export interface RecentUplink {
  at: number;
  source: string;
  /** DevEUI of a registered device, else `devaddr:<hex>` or `deveui:<hex>` (join requests). */
  device: string;
  /** The registry's name for the device; null when unregistered. */
  name: string | null;
  mType: string;
  fCnt: number | null;
  fPort: number | null;
  rssi: number;
  snr: number | null;
  /** A few decoded values (`temperature=21.5, humidity=40`), the codec's error, or null. */
  summary: string | null;
}

export interface SeenDevice {
  device: string;
  name: string | null;
  lastSeen: number;
  rssi: number;
  snr: number | null;
  fCnt: number | null;
  frames: number;
  codecErrors: number;
  /** The last codec error, shortened. */
  lastCodecError: string | null;
}

export interface TrafficReport {
  uplinks: RecentUplink[];
  devices: SeenDevice[];
  /** Devices forgotten because more than the bound were heard. */
  devicesForgotten: number;
}

const SUMMARY_CHARS = 80;
const SUMMARY_FIELDS = 4;

/** `temperature=21.5, humidity=40, …`: the first scalar fields of a decoded object. */
export function summariseDecoded(data: Record<string, unknown> | null, errors: readonly string[]): string | null {
  if (errors.length) return clip(`codec error: ${errors[0]}`, SUMMARY_CHARS);
  if (!data) return null;
  let text = '';
  let fields = 0;
  for (const [k, v] of Object.entries(data)) {
    if (v === null || typeof v === 'object') continue;
    const value = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v);
    const part = `${clip(k, 32)}=${clip(value, 24)}`;
    if (fields >= SUMMARY_FIELDS || text.length + part.length + 2 > SUMMARY_CHARS) return `${text}, …`;
    text += (fields ? ', ' : '') + part;
    fields += 1;
  }
  return fields ? text : null;
}

/** At most `max` characters, an ellipsis marking a cut (never halving a surrogate pair). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = Array.from(text.slice(0, max)).slice(0, -1).join('');
  return `${cut.replace(/[\ud800-\udbff]$/, '')}…`;
}

export class RecentTraffic implements UplinkExit {
  readonly name = 'recent traffic';
  private readonly uplinks: RingBuffer<RecentUplink>;
  /** Insertion order is last-heard order: the head is the least recently heard device. */
  private readonly devices = new Map<string, SeenDevice>();
  private readonly maxDevices: number;
  private forgotten = 0;

  constructor(opts: { uplinks?: number; maxDevices?: number } = {}) {
    this.uplinks = new RingBuffer(opts.uplinks ?? 50);
    this.maxDevices = opts.maxDevices ?? 500;
  }

  take(uplink: Uplink): void {
    const { frame, lorawan, outcome } = uplink;
    const registered = outcome?.device ?? null;
    const device = registered
      ? registered.devEui
      : lorawan.devAddr
        ? `devaddr:${lorawan.devAddr}`
        : lorawan.devEui
          ? `deveui:${lorawan.devEui}`
          : 'unknown';
    const decoded = outcome?.decoded ?? null;
    const summary = decoded ? summariseDecoded(decoded.data, decoded.errors) : null;
    const fCnt = lorawan.fCnt;
    const snr = frame.snr ?? null;
    const name = registered ? shorten(registered.name, 64) : null;
    this.uplinks.push({
      at: frame.receivedAt,
      source: frame.source,
      device,
      name,
      mType: lorawan.mType,
      fCnt,
      fPort: lorawan.fPort,
      rssi: frame.rssi,
      snr,
      summary,
    });
    const codecError = decoded?.errors.length ? shorten(decoded.errors[0], 200) : null;
    // Updated in place and moved to the end (last heard): a device heard again costs no new object,
    // which at thousands of frames a second would each outlive a young-generation GC.
    const seen = this.devices.get(device);
    if (seen) {
      this.devices.delete(device);
      seen.name = name;
      seen.lastSeen = frame.receivedAt;
      seen.rssi = frame.rssi;
      seen.snr = snr;
      if (fCnt !== null) seen.fCnt = fCnt;
      seen.frames += 1;
      if (codecError) {
        seen.codecErrors += 1;
        seen.lastCodecError = codecError;
      }
    }
    // A device heard again keeps the key string it was first stored under: this frame's copy of
    // the name dies young instead of living in the map (and so in V8's old generation).
    this.devices.set(
      seen ? seen.device : device,
      seen ?? {
        device, name, lastSeen: frame.receivedAt, rssi: frame.rssi, snr, fCnt,
        frames: 1, codecErrors: codecError ? 1 : 0, lastCodecError: codecError,
      },
    );
    if (this.devices.size > this.maxDevices) {
      this.devices.delete(this.devices.keys().next().value as string);
      this.forgotten += 1;
    }
  }

  /** Uplinks newest first; devices most recently heard first. */
  report(): TrafficReport {
    // Copies: the entries are updated in place as frames arrive.
    const devices = [...this.devices.values()].reverse().map((d) => ({ ...d }));
    return { uplinks: this.uplinks.newest(), devices, devicesForgotten: this.forgotten };
  }
}
