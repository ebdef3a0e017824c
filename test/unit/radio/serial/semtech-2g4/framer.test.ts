import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_READ_FRAME, Semtech2g4Framer, type Semtech2g4Frame, encodeFrame } from '../../../../../src/radio/serial/semtech-2g4/framer.js';
import { seededRandom } from '../../../../../src/testing/serial/simulator-port.js';

// GET_RX_MSG ack (order 0x45) for request id 7: 1 message, 12 bytes, nothing pending, 0 lost.
const RX_ACK = Buffer.from([0x07, 0x00, 0x05, 0x45, 0x01, 0x00, 0x0c, 0x00, 0x00]);
// RESET ack (order 0x47), status 0.
const RESET_ACK = Buffer.from([0x09, 0x00, 0x01, 0x47, 0x00]);
// MSG_RECEIVE event (order 0x81) with a 1-byte LoRa payload.
const EVENT = Buffer.from([0x07, 0x00, 0x0d, 0x81, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 5, 0xa0, 1, 0xee]);

const plain = (frames: Semtech2g4Frame[]): Array<[number, number, string]> =>
  frames.map((frame) => [frame.requestId, frame.order, frame.payload.toString('hex')]);

test('decodes a header and its payload', () => {
  const framer = Semtech2g4Framer.forHost();
  assert.equal(plain(framer.push(RX_ACK)), [[7, 0x45, '01000c0000']]);
  assert.equal(framer.stats, { frames: 1, discardedBytes: 0, oversizedFrames: 0 });
});

test('a frame split at every byte boundary comes out once and whole', () => {
  const stream = Buffer.concat([RX_ACK, EVENT]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const framer = Semtech2g4Framer.forHost();
    const frames = [...framer.push(stream.subarray(0, cut)), ...framer.push(stream.subarray(cut))];
    assert.equal(plain(frames), [[7, 0x45, '01000c0000'], [7, 0x81, '00000000010000000005a001ee']], `cut ${cut}`);
    assert.is(framer.stats.discardedBytes, 0);
  }
  const bytewise = Semtech2g4Framer.forHost();
  const frames: Semtech2g4Frame[] = [];
  for (const byte of stream) frames.push(...bytewise.push(Buffer.from([byte])));
  assert.is(frames.length, 2);
});

test('several frames in one read come out in order', () => {
  const framer = Semtech2g4Framer.forHost();
  const frames = framer.push(Buffer.concat([RESET_ACK, RX_ACK, EVENT, RESET_ACK]));
  assert.equal(frames.map((frame) => frame.order), [0x47, 0x45, 0x81, 0x47]);
});

test('garbage before and between frames is skipped and counted', () => {
  const framer = Semtech2g4Framer.forHost();
  const noise1 = Buffer.from([0x11, 0x22, 0x33]);
  const noise2 = Buffer.from([0x30, 0x31, 0x32, 0x33, 0x34]);
  const frames = framer.push(Buffer.concat([noise1, RESET_ACK, noise2, RX_ACK]));
  assert.equal(frames.map((frame) => frame.order), [0x47, 0x45]);
  assert.is(framer.stats.discardedBytes, 8);
  assert.is(framer.stats.oversizedFrames, 0);
});

test('an oversized size field is discarded and counted, and the stream resynchronises', () => {
  const framer = Semtech2g4Framer.forHost();
  // Valid order 0x81 but size 0x7FFF: far beyond the 500-byte read buffer.
  const bogus = Buffer.from([0x09, 0x7f, 0xff, 0x81]);
  const frames = framer.push(Buffer.concat([bogus, RESET_ACK]));
  assert.equal(plain(frames), [[9, 0x47, '00']]);
  assert.is(framer.stats.oversizedFrames, 1);
  assert.is(framer.stats.discardedBytes, 4);
});

test('the read limit is 500 bytes including the header', () => {
  const largest = encodeFrame(1, 0x81, Buffer.alloc(MAX_READ_FRAME - 4, 0xab));
  const framer = Semtech2g4Framer.forHost();
  assert.is(framer.push(largest)[0]?.payload.length, 496);
  const tooLarge = Buffer.from([0x01, 0x01, 0xf1, 0x81]); // size 497
  const second = Semtech2g4Framer.forHost();
  assert.equal(second.push(Buffer.concat([tooLarge, RESET_ACK])).length, 1);
  assert.is(second.stats.oversizedFrames, 1);
});

test('orders outside the known set are noise (the host side accepts acks, events and 0xFF only)', () => {
  const framer = Semtech2g4Framer.forHost();
  // Request order 0x05 and an unassigned 0x4B must not start a frame on the host side.
  assert.equal(framer.push(Buffer.from([0x01, 0x00, 0x00, 0x05, 0x01, 0x00, 0x00, 0x4b])), []);
  assert.equal(plain(framer.push(Buffer.from([0x02, 0x00, 0x00, 0xff]))), [[2, 0xff, '']]);
  assert.is(framer.stats.discardedBytes, 8);
});

test('the device side accepts requests and a 280-byte limit', () => {
  const framer = Semtech2g4Framer.forDevice();
  assert.equal(plain(framer.push(Buffer.from([0x03, 0x00, 0x00, 0x05]))), [[3, 0x05, '']]);
  const acks = Semtech2g4Framer.forDevice();
  assert.equal(acks.push(Buffer.from([0x03, 0x00, 0x00, 0x45])), []);
  assert.is(acks.stats.discardedBytes, 1);
  const tooLarge = encodeFrame(1, 0x02, Buffer.alloc(277, 0xee));
  const limited = Semtech2g4Framer.forDevice();
  assert.equal(limited.push(tooLarge).length, 0);
  assert.is(limited.stats.oversizedFrames, 1);
});

test('random noise from 0x20-0x3F between frames, read in random pieces: every frame, every noise byte counted', () => {
  const random = seededRandom(42);
  const parts: Buffer[] = [];
  let noise = 0;
  let expected = 0;
  for (let i = 0; i < 300; i++) {
    const length = Math.floor(random() * 9);
    const bytes = Buffer.alloc(length);
    for (let j = 0; j < length; j++) bytes[j] = 0x20 + Math.floor(random() * 0x20);
    noise += length;
    parts.push(bytes);
    const payload = Buffer.alloc(Math.floor(random() * 60));
    payload.fill(i & 0xff);
    parts.push(encodeFrame(2 + (i % 200), i % 2 ? 0x81 : 0x45, payload));
    expected += 1;
  }
  const stream = Buffer.concat(parts);
  const framer = Semtech2g4Framer.forHost();
  let got = 0;
  for (let offset = 0; offset < stream.length; ) {
    const size = 1 + Math.floor(random() * 40);
    got += framer.push(stream.subarray(offset, offset + size)).length;
    offset += size;
  }
  assert.is(got, expected);
  assert.is(framer.stats.discardedBytes, noise);
});

test('a payload handed out is a copy', () => {
  const framer = Semtech2g4Framer.forHost();
  const chunk = Buffer.from(RESET_ACK);
  const [frame] = framer.push(chunk);
  chunk.fill(0xee);
  assert.is(frame.payload[0], 0x00);
});

test('encodeFrame writes the header big-endian', () => {
  assert.equal([...encodeFrame(0x10, 0x01, Buffer.alloc(0x0102))].slice(0, 4), [0x10, 0x01, 0x02, 0x01]);
  assert.throws(() => encodeFrame(1, 1, Buffer.alloc(0x10000)), /16-bit/);
});

test.run();
