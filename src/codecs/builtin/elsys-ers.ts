// ELSYS ERS family (ERS, ERS CO2, ERS Lite, ERS Sound, ERS VOC, ERS Eye): the generic Elsys
// sensor payload, a sequence of `type, value` with big-endian values.
import { defineCodec, type DecodeContext } from './define-codec.js';
import { hexByte, i16be, i32be, i8, stopWalk, u16be, u24be, u32be } from './fields.js';

type ValueWriter = (b: number[], i: number, out: Record<string, unknown>) => void;

interface ElsysType {
  size: number;
  write: ValueWriter;
}

const TYPES: Array<ElsysType | undefined> = new Array<ElsysType | undefined>(256);

function def(type: number, size: number, write: ValueWriter): void {
  TYPES[type] = { size, write };
}

def(0x01, 2, (b, i, o) => { o.temperature = i16be(b, i) / 10; });
def(0x02, 1, (b, i, o) => { o.humidity = b[i]; });
def(0x03, 3, (b, i, o) => { o.x = i8(b, i); o.y = i8(b, i + 1); o.z = i8(b, i + 2); });
def(0x04, 2, (b, i, o) => { o.light = u16be(b, i); });
def(0x05, 1, (b, i, o) => { o.motion = b[i]; });
def(0x06, 2, (b, i, o) => { o.co2 = u16be(b, i); });
def(0x07, 2, (b, i, o) => { o.vdd = u16be(b, i); });
def(0x08, 2, (b, i, o) => { o.analog1 = u16be(b, i); });
def(0x09, 6, (b, i, o) => { o.lat = u24be(b, i); o.long = u24be(b, i + 3); });
def(0x0a, 2, (b, i, o) => { o.pulse1 = u16be(b, i); });
def(0x0b, 4, (b, i, o) => { o.pulseAbs = u32be(b, i); });
def(0x0c, 2, (b, i, o) => { o.externalTemperature = i16be(b, i) / 10; });
def(0x0d, 1, (b, i, o) => { o.digital = b[i]; });
def(0x0e, 2, (b, i, o) => { o.distance = u16be(b, i); });
def(0x0f, 1, (b, i, o) => { o.accMotion = b[i]; });
def(0x10, 4, (b, i, o) => {
  o.irInternalTemperature = i16be(b, i) / 10;
  o.irExternalTemperature = i16be(b, i + 2) / 10;
});
def(0x11, 1, (b, i, o) => { o.occupancy = b[i]; });
def(0x12, 1, (b, i, o) => { o.waterleak = b[i]; });
// Grid-EYE: a reference byte, then 64 pixels in tenths of a degree above it.
def(0x13, 65, (b, i, o) => {
  const ref = b[i];
  const pixels: number[] = new Array<number>(64);
  for (let j = 0; j < 64; j++) pixels[j] = ref + b[i + 1 + j] / 10.0;
  o.grideye = pixels;
});
def(0x14, 4, (b, i, o) => { o.pressure = u32be(b, i) / 1000; });
def(0x15, 2, (b, i, o) => { o.soundPeak = b[i]; o.soundAvg = b[i + 1]; });
def(0x16, 2, (b, i, o) => { o.pulse2 = u16be(b, i); });
def(0x17, 4, (b, i, o) => { o.pulseAbs2 = u32be(b, i); });
def(0x18, 2, (b, i, o) => { o.analog2 = u16be(b, i); });
// A second external probe may repeat; the reference decoder turns repeats into an array.
def(0x19, 2, (b, i, o) => {
  const t = i16be(b, i) / 10;
  const prev = o.externalTemperature2;
  if (prev === undefined) o.externalTemperature2 = t;
  else if (Array.isArray(prev)) prev.push(t);
  else o.externalTemperature2 = [prev, t];
});
def(0x1a, 1, (b, i, o) => { o.digital2 = b[i]; });
def(0x1b, 4, (b, i, o) => { o.analogUv = i32be(b, i); });
def(0x1c, 2, (b, i, o) => { o.tvoc = u16be(b, i); });

// Elsys gives no length per record, so at a type this codec does not know (newer firmware, another
// ERS model) the rest of the frame cannot be split: decoding stops there with a warning and the
// readings before it are kept (stopWalk in fields.ts), as for a record the frame cuts short.
function decode(b: number[], ctx: DecodeContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const len = b.length;
  let i = 0;
  let decoded = 0;
  while (i < len) {
    const spec = TYPES[b[i]];
    if (spec === undefined) {
      stopWalk(ctx, decoded, `unknown Elsys type ${hexByte(b[i])} at offset ${i}: its length is unknown, so the last ${len - i} bytes were not decoded`);
      return out;
    }
    const end = i + 1 + spec.size;
    if (end > len) {
      stopWalk(ctx, decoded, `frame ends inside Elsys type ${hexByte(b[i])} at offset ${i} (needs ${1 + spec.size} bytes, ${len - i} left); it was not decoded`);
      return out;
    }
    spec.write(b, i + 1, out);
    decoded += 1;
    i = end;
  }
  return out;
}

export const elsysErs = defineCodec({
  id: 'elsys-ers',
  vendor: 'ELSYS',
  model: 'ERS / ERS CO2',
  category: 'air',
  deviceClass: 'A',
  // The port is a device setting; Elsys firmware sends measurements on 5 by default, examples use 1.
  fPorts: [1, 5],
  description: 'Indoor room sensor reporting temperature, humidity, light, motion count, CO2 and supply voltage.',
  // The example frame of the Elsys payload document.
  examples: [
    {
      description: 'Temperature, humidity, light, motion, CO2 and supply voltage',
      input: { fPort: 5, bytes: [0x01, 0x00, 0xe2, 0x02, 0x29, 0x04, 0x00, 0x27, 0x05, 0x06, 0x06, 0x03, 0x08, 0x07, 0x0e, 0x15] },
      output: { data: { temperature: 22.6, humidity: 41, light: 39, motion: 6, co2: 776, vdd: 3605 } },
    },
  ],
  decode,
});
