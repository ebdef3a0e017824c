import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineFramer } from '../../../../src/radio/serial/line-framer.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

test('CRLF, LF and CR all end a line; empty lines are dropped', () => {
  const framer = new LineFramer();
  assert.equal(framer.push(ascii('+AT: OK\r\nOK\nok\r\r\n\n+MODE: TEST\r')), ['+AT: OK', 'OK', 'ok', '+MODE: TEST']);
  assert.is(framer.buffered, 0);
});

test('a line is held until its terminator arrives', () => {
  const framer = new LineFramer();
  assert.equal(framer.push(ascii('+TEST: RX "0A')), []);
  assert.is(framer.buffered, 13);
  assert.equal(framer.push(ascii('0B"\r\n')), ['+TEST: RX "0A0B"']);
});

test('the same lines come out whatever byte the reads split at', () => {
  const input = ascii('+TEST: LEN:3, RSSI:-45, SNR:9\r\n+TEST: RX "010203"\r\nradio_rx  CAFE\r\n');
  const expected = ['+TEST: LEN:3, RSSI:-45, SNR:9', '+TEST: RX "010203"', 'radio_rx  CAFE'];
  for (let cut = 0; cut <= input.length; cut++) {
    const framer = new LineFramer();
    const lines = [...framer.push(input.subarray(0, cut)), ...framer.push(input.subarray(cut))];
    assert.equal(lines, expected, `split at byte ${cut}`);
  }
  const bytewise = new LineFramer();
  const lines: string[] = [];
  for (const byte of input) lines.push(...bytewise.push(Buffer.from([byte])));
  assert.equal(lines, expected);
});

test('an overlong line is dropped up to its terminator and counted; the next line is intact', () => {
  const framer = new LineFramer(16);
  const long = 'X'.repeat(40);
  assert.equal(framer.push(ascii(`${long}\r\nOK\r\n`)), ['OK']);
  assert.equal(framer.stats, { overlongLines: 1, discardedBytes: 40 });
});

test('an overlong line spread over many reads is dropped as one', () => {
  const framer = new LineFramer(10);
  const out: string[] = [];
  out.push(...framer.push(ascii('0123456')));
  out.push(...framer.push(ascii('789ABCDEF')));
  out.push(...framer.push(ascii('GHIJ')));
  out.push(...framer.push(ascii('\r\nok\r\n')));
  assert.equal(out, ['ok']);
  assert.equal(framer.stats, { overlongLines: 1, discardedBytes: 20 });
});

test('exactly the limit is accepted, one more byte is not', () => {
  const framer = new LineFramer(8);
  assert.equal(framer.push(ascii('12345678\r\n123456789\r\n')), ['12345678']);
  assert.equal(framer.stats.overlongLines, 1);
  assert.equal(framer.stats.discardedBytes, 9);
});

test('noise bytes survive as single latin1 characters', () => {
  const framer = new LineFramer();
  const [line] = framer.push(Buffer.from([0x00, 0xff, 0x41, 0x0d, 0x0a]));
  assert.is(line, '\u0000\u00ffA');
});

test('a caller reusing its read buffer does not corrupt a held partial line', () => {
  const framer = new LineFramer();
  const chunk = ascii('+EVT:RXP2P:-1');
  framer.push(chunk);
  chunk.fill(0x5a);
  assert.equal(framer.push(ascii('0:5:AB\r\n')), ['+EVT:RXP2P:-10:5:AB']);
});

test('rejects a nonsensical limit', () => {
  assert.throws(() => new LineFramer(0), /positive integer/);
});

test.run();
