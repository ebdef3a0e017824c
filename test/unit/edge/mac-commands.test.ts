// The MAC subset of edge mode (LoRaWAN 1.0.x section 5): uplink command parsing, LinkCheckAns with
// the margin above the SF's demodulation floor, DevStatusAns decoding.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeBattery, linkCheckAns, linkMargin, parseDevStatusAns, parseUplinkMacCommands } from '../../../src/edge/mac-commands.js';

test('parses LinkCheckReq, DevStatusAns and LinkADRAns with their payload lengths', () => {
  const r = parseUplinkMacCommands(Buffer.from([0x02, 0x06, 0xfe, 0x05, 0x03, 0x07]));
  assert.is(r.problem, undefined);
  assert.equal(r.commands.map((c) => [c.name, c.payload.toString('hex')]), [
    ['LinkCheckReq', ''],
    ['DevStatusAns', 'fe05'],
    ['LinkADRAns', '07'],
  ]);
});

test('an unknown CID stops the parse; the commands before it are kept', () => {
  const r = parseUplinkMacCommands(Buffer.from([0x02, 0x80, 0x02]));
  assert.equal(r.commands.map((c) => c.name), ['LinkCheckReq']);
  assert.match(r.problem!, /0x80/);
});

test('a truncated command is reported', () => {
  const r = parseUplinkMacCommands(Buffer.from([0x06, 0x10]));
  assert.equal(r.commands, []);
  assert.match(r.problem!, /DevStatusAns is truncated/);
});

test('margin = SNR minus the demodulation floor (SF7 -7.5 dB, SF12 -20 dB), floored, 0..254', () => {
  assert.is(linkMargin(9.5, 7), 17);
  assert.is(linkMargin(-5, 12), 15);
  assert.is(linkMargin(-10, 7), 0);
  assert.is(linkMargin(300, 7), 254);
  assert.is(linkMargin(Number.NaN, 7), 0);
  assert.is(linkMargin(5, 6), 0);
});

test('LinkCheckAns is CID 0x02, margin, gateway count', () => {
  assert.equal([...linkCheckAns(17, 1)], [0x02, 17, 1]);
});

test('DevStatusAns: battery byte and a 6-bit signed margin', () => {
  assert.equal(parseDevStatusAns(Buffer.from([0xfe, 0x05])), { battery: 254, margin: 5 });
  assert.equal(parseDevStatusAns(Buffer.from([0x00, 0x3f])), { battery: 0, margin: -1 });
  assert.equal(parseDevStatusAns(Buffer.from([0xff, 0x20])), { battery: 255, margin: -32 });
  assert.is(describeBattery(0), 'external power');
  assert.is(describeBattery(255), 'unknown');
  assert.is(describeBattery(127), '50 %');
});

test.run();
