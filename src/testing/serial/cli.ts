// `lora-edge simulate serial --driver NAME --link PATH [--rate N]`: runs one simulated device until
// SIGINT/SIGTERM (or the given signal), printing one JSON line when ready and one with the stats.
import { type SerialDriverName, serialDriverNames } from '../../radio/serial/driver-registry.js';
import { UsageError } from '../../command-args.js';
import { socatInstalled } from './pty-pair.js';
import { startSerialSimulator } from './simulator.js';
import { SimulatedDevice } from '../end-devices.js';
import { DEMO_FLEET } from '../device-payloads.js';

export interface SerialSimulatorToolOptions {
  driver: string;
  /** Path the daemon will open. */
  link: string;
  /** Received packets per second. */
  rate: number;
  /** Ends the run (tests); otherwise SIGINT/SIGTERM do. */
  signal?: AbortSignal;
  out?: NodeJS.WritableStream;
}

function isDriver(name: string): name is SerialDriverName {
  return (serialDriverNames as readonly string[]).includes(name);
}

export async function runSerialSimulatorTool(options: SerialSimulatorToolOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  if (!isDriver(options.driver)) throw new UsageError(`--driver must be one of ${serialDriverNames.join(', ')}, got "${options.driver}"`);
  if (!(options.rate > 0)) throw new UsageError(`--rate must be above 0, got ${options.rate}`);
  if (!socatInstalled()) {
    process.stderr.write('socat is needed to create the pty pair: apt-get install socat\n');
    return 1;
  }
  // The simulated modem hears real, encrypted LoRaWAN uplinks from the demo fleet.
  const devices = DEMO_FLEET.map((d) => new SimulatedDevice(d));
  let next = 0;
  const nextPayload = (): Buffer => devices[next++ % devices.length].nextUplink();
  const simulator = await startSerialSimulator({
    driver: options.driver,
    link: options.link,
    intervalMs: Math.max(1, Math.round(1000 / options.rate)),
    nextPayload,
  });
  out.write(`${JSON.stringify({ simulating: options.driver, link: simulator.hostPath })}\n`);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  options.signal?.addEventListener('abort', onSignal, { once: true });
  try {
    if (!stop.signal.aborted && !options.signal?.aborted) {
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onSignal);
    await simulator.close();
  }
  out.write(`${JSON.stringify({ stopped: options.driver, ...simulator.stats })}\n`);
  return 0;
}
