// The hub's device command JSON: shape checks with a readable reason, and the id/devEui kept when
// they could be read so the failure can still be attributed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDeviceCommand, type CommandParse } from '../../../src/edge/device-command.js';

const EUI = '70B3D57ED0001004';
const parse = (v: unknown): CommandParse => parseDeviceCommand(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
const reason = (r: CommandParse) => (r.ok ? '(ok)' : r.reason);

test('data command: devEui normalised, confirmed defaults to false', () => {
  const r = parse({ id: 'c1', devEui: EUI, data: { dimming_level__percent: 30 } });
  assert.equal(r, { ok: true, command: { id: 'c1', devEui: '70b3d57ed0001004', confirmed: false, data: { dimming_level__percent: 30 } } });
});

test('bytes command: hex decoded, fPort and confirmed kept; numeric ids become text', () => {
  const r = parse({ id: 42, devEui: EUI, fPort: 60, confirmed: true, bytes: '01FF32' });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.command.id, '42');
  assert.is(r.command.fPort, 60);
  assert.is(r.command.confirmed, true);
  assert.equal([...r.command.bytes!], [0x01, 0xff, 0x32]);
});

test('not JSON, not an object', () => {
  assert.match(reason(parse('{')), /not valid JSON/);
  assert.equal(parse('[1]'), { ok: false, id: null, devEui: null, reason: 'command must be a JSON object' });
});

test('id and devEui are checked first and kept for the failure event', () => {
  assert.match(reason(parse({ devEui: EUI, data: {} })), /^id must be/);
  const r = parse({ id: 'c2', devEui: 'xyz', data: {} });
  assert.equal(r, { ok: false, id: 'c2', devEui: null, reason: 'devEui must be 16 hex digits' });
  const r2 = parse({ id: 'c3', devEui: EUI, fPort: 0, bytes: '00' });
  assert.equal(r2, { ok: false, id: 'c3', devEui: '70b3d57ed0001004', reason: 'fPort must be an integer 1..223' });
});

test('fPort range, confirmed type, unknown keys', () => {
  assert.match(reason(parse({ id: 'a', devEui: EUI, fPort: 224, bytes: '00' })), /fPort/);
  assert.match(reason(parse({ id: 'a', devEui: EUI, fPort: 1.5, bytes: '00' })), /fPort/);
  assert.match(reason(parse({ id: 'a', devEui: EUI, confirmed: 'yes', data: {} })), /confirmed must be true or false/);
  assert.match(reason(parse({ id: 'a', devEui: EUI, byte: '00' })), /unknown key "byte"/);
});

test('exactly one of data and bytes; bytes need an fPort and even-length hex', () => {
  assert.match(reason(parse({ id: 'a', devEui: EUI, fPort: 1, data: {}, bytes: '00' })), /either data or bytes/);
  assert.match(reason(parse({ id: 'a', devEui: EUI })), /give data/);
  assert.match(reason(parse({ id: 'a', devEui: EUI, bytes: '00' })), /bytes need an fPort/);
  assert.match(reason(parse({ id: 'a', devEui: EUI, fPort: 1, bytes: '0g' })), /hex/);
  assert.match(reason(parse({ id: 'a', devEui: EUI, fPort: 1, bytes: '123' })), /even number/);
  assert.match(reason(parse({ id: 'a', devEui: EUI, data: [1] })), /data must be an object/);
});

test.run();
