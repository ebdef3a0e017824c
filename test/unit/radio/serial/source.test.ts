// Every serial driver through the whole SerialSource (transport, session, plausibility checks) over
// in-memory ports played by the device models: open and configure, a received frame, a transmit,
// unplug and re-plug, a port error. The socat tests (test/integration/serial-*.test.ts) cover the
// same over a real tty; these run in milliseconds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TxRequest } from '../../../../src/radio/downlink.js';
import type { RadioFrame } from '../../../../src/radio/radio-frame.js';
import type { FrameDoor } from '../../../../src/radio/frame-door.js';
import { SERIAL_DRIVER_REGISTRY, type SerialDriverName } from '../../../../src/radio/serial/driver-registry.js';
import { SerialSource, type SerialSourceOptions } from '../../../../src/radio/serial/serial-source.js';
import { createAtDevice } from '../../../../src/testing/serial/at-devices.js';
import { Semtech2g4Device } from '../../../../src/testing/serial/semtech-2g4-device.js';
import { captureLogger, until } from '../../../../src/testing/serial/test-support.js';
import { type MemoryDevice, MemorySerialPorts, atModemOnPort, semtech2g4OnPort } from '../../../helpers/memory-serial-ports.js';

const PATH = '/dev/serial/by-id/usb-memory-if00';
const PAYLOAD = Buffer.from('40111111110000010001aabbccdd', 'hex');

/** One device as the tests need it: what to plug, how to make it hear a packet, what it sent. */
interface DeviceUnderTest {
  device: MemoryDevice;
  hearPacket(ports: MemorySerialPorts, rssi: number, snr: number): void;
  transmittedPayloads(): Buffer[];
}

interface DriverCase {
  settings: Partial<SerialSourceOptions>;
  newDevice(): DeviceUnderTest;
  /** What a received frame says about the channel. */
  channel: Pick<RadioFrame, 'frequency' | 'spreadingFactor' | 'bandwidth'>;
  downlink: TxRequest;
}

function atModemCase(driver: SerialDriverName): DriverCase {
  return {
    settings: { frequency: 868_300_000, spreadingFactor: 9, bandwidth: 125_000, commandTimeoutMs: 300, txPrepareMs: 20 },
    newDevice() {
      const model = createAtDevice(driver);
      const device = atModemOnPort(model);
      return {
        device,
        hearPacket: (ports, rssi, snr) => device.packet(ports, PATH, { payload: PAYLOAD, rssi, snr }),
        transmittedPayloads: () => (model.transmitted ?? []).map((t) => t.payload),
      };
    },
    channel: { frequency: 868_300_000, spreadingFactor: 9, bandwidth: 125_000 },
    downlink: {
      payload: PAYLOAD,
      frequency: 869_525_000,
      modulation: 'LORA',
      spreadingFactor: 9,
      bandwidth: 125_000,
      codeRate: '4/5',
      power: 14,
      polarizationInversion: true,
      timing: { kind: 'immediate' },
    },
  };
}

const CASES: Record<SerialDriverName, DriverCase> = {
  'semtech-2g4': {
    settings: { resetSettleMs: 5, commandTimeoutMs: 300 },
    newDevice() {
      const mcu = new Semtech2g4Device();
      return {
        device: semtech2g4OnPort(mcu),
        hearPacket: (_ports, rssi, snr) => void mcu.receive({ radio: 0, payload: PAYLOAD, rssi, snr }),
        transmittedPayloads: () => mcu.transmissions.map((t) => t.request.payload),
      };
    },
    channel: { frequency: 2_403_000_000, spreadingFactor: 12, bandwidth: 812_500 },
    downlink: {
      payload: PAYLOAD,
      frequency: 2_425_000_000,
      modulation: 'LORA',
      spreadingFactor: 12,
      bandwidth: 812_500,
      power: 10,
      polarizationInversion: true,
      timing: { kind: 'immediate' },
    },
  },
  'lora-e5': atModemCase('lora-e5'),
  rak3172: atModemCase('rak3172'),
  rn2483: atModemCase('rn2483'),
};

interface Rig {
  ports: MemorySerialPorts;
  source: SerialSource;
  frames: RadioFrame[];
  current: DeviceUnderTest;
  plugNew(): void;
}

const running: SerialSource[] = [];
test.after.each(async () => {
  for (const source of running.splice(0)) await source.stop();
});

async function receivingRig(driver: SerialDriverName, door?: FrameDoor): Promise<Rig> {
  const spec = CASES[driver];
  const ports = new MemorySerialPorts();
  const frames: RadioFrame[] = [];
  const source = new SerialSource({
    id: `serial:${driver}`,
    path: PATH,
    driver,
    logger: captureLogger().logger,
    onFrame: (frame) => frames.push(frame),
    reopenInitialMs: 5,
    reopenMaxMs: 20,
    ports,
    door,
    ...spec.settings,
  });
  running.push(source);
  const rig: Rig = {
    ports,
    source,
    frames,
    current: spec.newDevice(),
    plugNew() {
      rig.current = spec.newDevice();
      ports.plug(PATH, rig.current.device);
    },
  };
  ports.plug(PATH, rig.current.device);
  await source.start();
  await until(() => source.state() === 'receiving', `${driver} receiving`);
  return rig;
}

async function receiveOne(rig: Rig, rssi: number): Promise<RadioFrame> {
  const before = rig.frames.length;
  rig.current.hearPacket(rig.ports, rssi, 7);
  await until(() => rig.frames.length > before, 'a frame');
  return rig.frames[rig.frames.length - 1]!;
}

for (const { name: driver } of SERIAL_DRIVER_REGISTRY) {
  const spec = CASES[driver];

  test(`${driver}: opens, configures, delivers a received frame and transmits a downlink`, async () => {
    const rig = await receivingRig(driver);
    const frame = await receiveOne(rig, -80);
    assert.is(frame.source, `serial:${driver}`);
    assert.equal(frame.payload, PAYLOAD);
    assert.is(frame.rssi, -80);
    assert.is(frame.snr, 7);
    assert.is(frame.crc, 'ok');
    assert.equal({ frequency: frame.frequency, spreadingFactor: frame.spreadingFactor, bandwidth: frame.bandwidth }, spec.channel);
    assert.is(await rig.source.transmit(spec.downlink), 'OK');
    assert.equal(rig.current.transmittedPayloads(), [PAYLOAD]);
    await until(() => rig.source.state() === 'receiving', 'receiving again after the downlink');
    await receiveOne(rig, -90);
    assert.is(rig.source.counters().txOk, 1);
    assert.is(rig.source.counters().frames, 2);
  });

  test(`${driver}: at a closed door a received frame is refused and counted; open again, frames flow`, async () => {
    let refusedAtDoor = 0;
    const door = { open: false, refused: (_source: string, n: number) => void (refusedAtDoor += n) };
    const rig = await receivingRig(driver, door);
    rig.current.hearPacket(rig.ports, -80, 7);
    await until(() => rig.source.counters().frames_refused === 1, 'a refused frame');
    assert.is(rig.frames.length, 0);
    assert.is(refusedAtDoor, 1);
    door.open = true;
    await receiveOne(rig, -81);
    assert.is(rig.source.counters().frames_refused, 1);
  });

  test(`${driver}: unplugged, it reports reopening and refuses downlinks; re-plugged, it configures and receives again`, async () => {
    const rig = await receivingRig(driver);
    rig.ports.unplug(PATH);
    await until(() => rig.source.state() === 'reopening', 'reopening');
    assert.is(await rig.source.transmit(spec.downlink), 'INTERNAL_ERROR');
    rig.plugNew();
    await until(() => rig.source.state() === 'receiving', 'receiving after the re-plug');
    await receiveOne(rig, -85);
    assert.is(rig.source.counters().reopens, 1);
  });

  test(`${driver}: a port error closes the port; it is reopened and the device configured again`, async () => {
    const rig = await receivingRig(driver);
    const opens = rig.ports.opens;
    rig.ports.fail(PATH, 'EIO: i/o error, read');
    await until(() => rig.ports.opens === opens + 1 && rig.source.state() === 'receiving', 'receiving after the reopen');
    await receiveOne(rig, -70);
    assert.is(rig.source.counters().reopens, 1);
  });
}

test.run();
