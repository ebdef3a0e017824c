// Drives a simulated packet forwarder at a given frame rate: devices take turns sending uplinks,
// grouped into PUSH_DATA datagrams of up to 8 rxpk as lora_pkt_fwd does (it fetches at most 8
// frames per poll).
import { PacketForwarderSim, makeRxpk } from './packet-forwarder.js';
import { SimulatedDevice, type SimDeviceSpec } from './end-devices.js';

export interface UdpTrafficOptions {
  target: string;
  gatewayEui: string;
  devices: SimDeviceSpec[];
  /** Frames per second. */
  rate: number;
  /** Total frames; Infinity runs until stop(). */
  count: number;
  /** Called with each frame's payload as it is sent (tests use it to know what to expect). */
  onFrame?: (payload: Buffer, device: SimDeviceSpec) => void;
  signal?: AbortSignal;
  /**
   * PUSH_DATA datagrams sent but not yet acknowledged before the sender waits (lora_pkt_fwd itself
   * waits for each PUSH_ACK). Keeps a fast simulator from overrunning the receiver's socket buffer.
   */
  window?: number;
  /** Send through this simulated forwarder (left open) instead of a new one. */
  forwarder?: PacketForwarderSim;
  /**
   * Build every frame before sending the first (needs a finite count): the rate is then not limited
   * by the simulator's own CPU (device encryption, JSON), which on a small machine competes with the
   * receiver it measures. Frames carry the time they were built at.
   */
  prebuild?: boolean;
  /** Called when the first datagram is about to go (after the prebuild, if any). */
  onSending?: () => void;
}

export interface UdpTrafficSummary {
  framesSent: number;
  datagramsSent: number;
  pushAcks: number;
  pushTimeouts: number;
  elapsedMs: number;
}

const MAX_RXPK_PER_DATAGRAM = 8;
const TICK_MS = 10;

export async function runUdpTraffic(opts: UdpTrafficOptions): Promise<UdpTrafficSummary> {
  if (!(opts.rate > 0)) throw new Error('rate must be a positive number of frames per second');
  if (opts.devices.length === 0) throw new Error('at least one simulated device is needed');
  if (opts.prebuild && !Number.isFinite(opts.count)) throw new Error('prebuild needs a finite count');
  const devices = opts.devices.map((d) => new SimulatedDevice(d));
  const pending: Array<Promise<unknown>> = [];
  const window = opts.window ?? 32;
  let built = 0;
  let next = 0;
  let tmst = Math.floor(Math.random() * 0xffffffff);
  /** The rxpk entries of the next `n` frames. */
  const buildFrames = (n: number): unknown[] => {
    const rxpks = [];
    for (let i = 0; i < n; i++) {
      const dev = devices[next];
      next = (next + 1) % devices.length;
      const payload = dev.nextUplink();
      tmst = (tmst + 1000) >>> 0;
      rxpks.push(makeRxpk({ payload, tmst, time: new Date().toISOString(), rssi: -40 - (built % 60), snr: 7.5, chan: built % 8 }));
      opts.onFrame?.(payload, dev.spec);
      built += 1;
    }
    return rxpks;
  };
  const prebuilt: unknown[][] = [];
  if (opts.prebuild) while (built < opts.count) prebuilt.push(buildFrames(Math.min(MAX_RXPK_PER_DATAGRAM, opts.count - built)));
  const sim = opts.forwarder ?? new PacketForwarderSim({ target: opts.target, gatewayEui: opts.gatewayEui, ackTimeoutMs: 1000 });
  let sent = 0;
  let datagrams = 0;
  let started = performance.now();
  try {
    await sim.pullData();
    opts.onSending?.();
    started = performance.now();
    while (sent < opts.count && !opts.signal?.aborted) {
      const due = Math.min(opts.count, Math.floor(((performance.now() - started) / 1000) * opts.rate) + 1);
      while (sent < due) {
        const rxpks = opts.prebuild ? prebuilt[datagrams] : buildFrames(Math.min(MAX_RXPK_PER_DATAGRAM, due - sent));
        if (opts.prebuild) prebuilt[datagrams] = [];
        sent += rxpks.length;
        datagrams += 1;
        pending.push(sim.pushRxpk(rxpks));
        if (pending.length >= window) await pending.shift();
      }
      if (sent < opts.count) await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await Promise.all(pending);
    const c = sim.counters();
    return {
      framesSent: sent,
      datagramsSent: datagrams,
      pushAcks: c.pushAcks,
      pushTimeouts: c.pushTimeouts,
      elapsedMs: Math.round(performance.now() - started),
    };
  } finally {
    if (!opts.forwarder) await sim.close();
  }
}
