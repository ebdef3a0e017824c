// The transport's open / lose / reopen behaviour over in-memory ports: the same rules the socat
// tests check (test/integration/serial-transport.test.ts), in milliseconds and without a tty.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PortClosedError } from '../../../../src/radio/serial/errors.js';
import { SerialTransport } from '../../../../src/radio/serial/transport.js';
import { captureLogger, until } from '../../../../src/testing/serial/test-support.js';
import { type MemoryDevice, MemorySerialPorts } from '../../../helpers/memory-serial-ports.js';

const PATH = '/dev/serial/by-id/usb-memory-if00';

/** A device that answers every write with the same bytes reversed. */
const reverser: MemoryDevice = { hear: (data, toHost) => toHost(Buffer.from(data).reverse()) };

interface Rig {
  ports: MemorySerialPorts;
  transport: SerialTransport;
  received: Buffer[];
  closes: string[];
  opens: () => number;
  log: ReturnType<typeof captureLogger>;
}

const open: SerialTransport[] = [];
test.after.each(async () => {
  for (const transport of open.splice(0)) await transport.stop();
});

function rig(presenceCheckMs = 1000): Rig {
  const ports = new MemorySerialPorts();
  const received: Buffer[] = [];
  const closes: string[] = [];
  let opens = 0;
  const log = captureLogger();
  const transport = new SerialTransport({
    path: PATH,
    baudRate: 57600,
    logger: log.logger,
    reopenInitialMs: 5,
    reopenMaxMs: 20,
    presenceCheckMs,
    ports,
    onOpen: () => (opens += 1),
    onData: (chunk) => received.push(chunk),
    onClose: (reason) => closes.push(reason),
  });
  open.push(transport);
  return { ports, transport, received, closes, opens: () => opens, log };
}

test('a device missing at start is reported once, retried, and used as soon as it appears', async () => {
  const r = rig();
  r.transport.start();
  await until(() => r.transport.openFailures >= 3, 'three attempts');
  assert.is(r.transport.state, 'opening');
  assert.is(r.transport.problem?.kind, 'missing');
  assert.is(r.log.matching('is not present').length, 1);
  r.ports.plug(PATH, reverser);
  await until(() => r.transport.state === 'open', 'open');
  assert.is(r.opens(), 1);
  assert.is(r.transport.problem, undefined);
  assert.is(r.transport.reopens, 0);
});

test('bytes written reach the device; its answers come back through onData', async () => {
  const r = rig();
  r.ports.plug(PATH, reverser);
  r.transport.start();
  await until(() => r.transport.state === 'open', 'open');
  await r.transport.write(Buffer.from([1, 2, 3]));
  await until(() => r.received.length === 1, 'the answer');
  assert.equal([...r.received[0]!], [3, 2, 1]);
  assert.equal(r.ports.written.get(PATH)?.map((b) => [...b]), [[1, 2, 3]]);
});

test('unplugged while open: onClose says so, writes are refused, and the re-plugged device is opened again', async () => {
  const r = rig();
  r.ports.plug(PATH, reverser);
  r.transport.start();
  await until(() => r.opens() === 1, 'open');
  r.ports.unplug(PATH);
  await until(() => r.closes.length === 1, 'the loss');
  assert.equal(r.closes, ['device disconnected']);
  assert.is(r.transport.state, 'reopening');
  try {
    await r.transport.write(Buffer.from([0]));
    assert.unreachable('write on a lost port');
  } catch (error) {
    assert.instance(error, PortClosedError);
  }
  await until(() => r.transport.openFailures >= 1, 'a failed reopen');
  r.ports.plug(PATH, reverser);
  await until(() => r.opens() === 2, 'reopened');
  assert.is(r.transport.reopens, 1);
  assert.is(r.transport.state, 'open');
});

test('a port error closes the port with that reason and reopens it', async () => {
  const r = rig();
  r.ports.plug(PATH, reverser);
  r.transport.start();
  await until(() => r.opens() === 1, 'open');
  r.ports.fail(PATH, 'EIO: i/o error, read');
  await until(() => r.opens() === 2, 'reopened');
  assert.equal(r.closes, ['EIO: i/o error, read']);
  assert.is(r.log.matching('serial port error; closing it to reopen').length, 1);
  assert.is(r.transport.reopens, 1);
});

test('an open refused (port locked by another program) is reported and retried', async () => {
  const r = rig();
  r.ports.plug(PATH, reverser);
  r.ports.refuseNextOpen(PATH, 'Error Resource temporarily unavailable Cannot lock port');
  r.transport.start();
  await until(() => r.opens() === 1, 'open on the second attempt');
  assert.is(r.transport.openFailures, 1);
  assert.is(r.log.matching('serial port lost').length, 0);
});

test('the path now leading to another device node (re-enumeration) is noticed by the presence check', async () => {
  const r = rig(20);
  r.ports.plug(PATH, reverser);
  r.transport.start();
  await until(() => r.opens() === 1, 'open');
  // Re-plugging without the old port seeing a disconnect: only the device node number changes.
  r.ports.plug(PATH, reverser);
  await until(() => r.opens() === 2, 'reopened on the new node');
  assert.equal(r.closes, ['device path now leads to another device']);
});

test('stop() closes the port and ends the retries', async () => {
  const r = rig();
  r.ports.plug(PATH, reverser);
  r.transport.start();
  await until(() => r.opens() === 1, 'open');
  await r.transport.stop();
  assert.is(r.transport.state, 'stopped');
  assert.is(r.ports.isOpen(PATH), false);
  assert.equal(r.closes, [], 'a requested close is not a loss');
  r.ports.unplug(PATH);
  r.ports.plug(PATH, reverser);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.is(r.opens(), 1);
});

test.run();
