// Throughput of every built-in codec on small, typical payloads (~0.3 s each).
// Run: node --import tsx scripts/bench/codecs-builtin.ts
import { pathToFileURL } from 'node:url';
import type { UplinkInput } from '../../src/codecs/contract.js';
import { builtinCodecs } from '../../src/codecs/builtin/index.js';
import { summaryLine } from './summary-line.js';

const hex = (s: string) => Array.from(Buffer.from(s.split(' ').join(''), 'hex'));

/** Typical uplinks per codec (vendor examples where they exist), decoded round-robin. */
const SAMPLES: Record<string, Array<[fPort: number, payload: string]>> = {
  'nasys-ul20xx': [
    [23, '01 F37F205E 8244 32 09 16 20 07 01 D2 02 9455 04 01 FE 50 19 00 12 50 19 00'],
    [26, '00 FF 80 D0EF2F01 12 FF 47940300 2A00 F94A0300 2700 5D E5 C072D902 D0EF2F01'],
  ],
  'milesight-ws558': [[85, '08310001 058164 07C90200 0374B208 068301000000 048001000000']],
  'bosch-tps110': [
    [1, '01'],
    [2, '01 14'],
  ],
  'nwave-nps405': [
    [1, '95'],
    [2, '00 D3 D8'],
  ],
  'netvox-r719a': [[6, '01 59 01 1E 01 00 00 00 00 00 00']],
  'tekzitel-tekzipark': [[1, '80 14 05 B5 12 34 AB CD']],
  'elsys-ers': [[5, '01 00E2 02 29 04 0027 05 06 06 0308 07 0E15']],
  'milesight-am307': [[85, '0367EE00 04687C 050001 06CB02 077DA803 087D2500 09736627']],
  'milesight-am319': [[85, '0367EE00 04687C 050001 06CB02 077DA803 087D2500 09736627 0A7D0400 0B7D2000 0C7D3000']],
  'decentlab-dl-pm': [[1, '02 1B50 000F 0C25 0025 0027 0027 0027 01F5 0107 012C 012D 012D 012D 67BD 618D BD10']],
  'decentlab-dl-lp8p': [[1, '02 0578 000F 67BD 618D 1CED BD10 81D9 81F4 895B 0BD8 0BB5 0000 9598 9539 0C25']],
};

export interface CodecBenchResult {
  id: string;
  decodesPerSec: number;
}

export function benchBuiltinCodecs(secondsPerCodec = 0.3): CodecBenchResult[] {
  const results: CodecBenchResult[] = [];
  for (const codec of builtinCodecs) {
    const samples = SAMPLES[codec.id];
    if (samples === undefined) throw new Error(`no benchmark samples for ${codec.id}`);
    const inputs: UplinkInput[] = samples.map(([fPort, payload]) => ({ fPort, bytes: hex(payload), recvTime: new Date() }));
    for (const input of inputs) {
      const r = codec.decodeUplink(input);
      if (r.errors && r.errors.length > 0) throw new Error(`${codec.id} sample fails: ${r.errors.join('; ')}`);
    }
    const batch = 2000;
    let sink = 0;
    // Warm-up so the measured part runs optimised code.
    for (let i = 0; i < batch * 5; i++) sink += codec.decodeUplink(inputs[i % inputs.length]).warnings!.length;
    const budget = BigInt(Math.round(secondsPerCodec * 1e9));
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    let count = 0;
    while (elapsed < budget) {
      for (let i = 0; i < batch; i++) sink += codec.decodeUplink(inputs[i % inputs.length]).warnings!.length;
      count += batch;
      elapsed = process.hrtime.bigint() - start;
    }
    if (sink < 0) console.log(sink); // keeps the results observable to the optimiser
    results.push({ id: codec.id, decodesPerSec: Math.round((count * 1e9) / Number(elapsed)) });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = benchBuiltinCodecs();
  const width = Math.max(...results.map((r) => r.id.length));
  console.log(`${'codec'.padEnd(width)}  decodes/s`);
  for (const r of results) console.log(`${r.id.padEnd(width)}  ${r.decodesPerSec.toLocaleString('en-US').padStart(11)}`);
  const slowest = results.reduce((a, b) => (b.decodesPerSec < a.decodesPerSec ? b : a));
  console.log(summaryLine('codecs-builtin', { codecs: results.length, min_decodes_per_s: slowest.decodesPerSec, slowest: slowest.id }));
}
