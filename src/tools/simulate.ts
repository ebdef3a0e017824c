// `lora-edge simulate udp|serial`: play the device side for tests, benchmarks and field checks.
import { runUdpTraffic } from '../testing/udp-traffic.js';
import { generatedDevices } from '../testing/end-devices.js';
import { DEMO_FLEET } from '../testing/device-payloads.js';
import { UsageError, parseCommandArgs, parseNumberOption, requireString } from '../command-args.js';

export async function simulateCommand(args: string[]): Promise<number> {
  const [kind, ...rest] = args;
  if (kind === 'udp') return simulateUdp(rest);
  if (kind === 'serial') return simulateSerial(rest);
  throw new UsageError('use "simulate udp --target HOST:PORT ..." or "simulate serial --driver NAME --link PATH"');
}

async function simulateUdp(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    target: { type: 'string' },
    rate: { type: 'string' },
    count: { type: 'string' },
    devices: { type: 'string' },
    gateway: { type: 'string' },
    prebuild: { type: 'boolean' },
  });
  const target = requireString(values.target, '--target HOST:PORT');
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(target)) throw new UsageError(`--target must be HOST:PORT, got "${target}"`);
  const rate = parseNumberOption(values.rate, '--rate', { min: 0.001 }) ?? 1;
  const count = parseNumberOption(values.count, '--count', { min: 1, integer: true }) ?? Infinity;
  const nDevices = parseNumberOption(values.devices, '--devices', { min: 1, integer: true });
  const gatewayEui = values.gateway ?? '0016c001ff10a235';
  if (!/^[0-9a-fA-F]{16}$/.test(gatewayEui)) throw new UsageError('--gateway must be 16 hex digits');
  const prebuild = values.prebuild === true;
  if (prebuild && !Number.isFinite(count)) throw new UsageError('--prebuild needs --count');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await runUdpTraffic({
      target,
      gatewayEui,
      devices: nDevices ? generatedDevices(nDevices) : DEMO_FLEET,
      rate,
      count,
      signal: stop.signal,
      prebuild,
      // Benchmarks start their clocks on this line: the frames are built, the sending starts.
      onSending: prebuild ? () => process.stderr.write(`simulate: ${count} frames built, sending\n`) : undefined,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.pushTimeouts > 0 && summary.pushAcks === 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function simulateSerial(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    driver: { type: 'string' },
    link: { type: 'string' },
    rate: { type: 'string' },
  });
  const driver = requireString(values.driver, '--driver NAME');
  const link = requireString(values.link, '--link PATH');
  const { runSerialSimulatorTool } = await import('../testing/serial/cli.js');
  return runSerialSimulatorTool({ driver, link, rate: parseNumberOption(values.rate, '--rate', { min: 0.001 }) ?? 1 });
}
