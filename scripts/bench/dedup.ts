// The de-duplication cache at 20,000 frames/s: one frame every 0.05 ms, a 200 ms window (about
// 4,000 payloads remembered), one frame in seven heard again a millisecond later.
// Run: node dist/scripts/bench/dedup.js
import { DedupCache } from '../../src/lorawan/dedup.js';
import { summaryLine } from './summary-line.js';

const FRAMES = 2_000_000;
const DISTINCT = 5000;

const bases = Array.from({ length: DISTINCT }, (_, i) => {
  const b = Buffer.alloc(24);
  b.writeUInt32BE(i, 0);
  b.writeUInt32BE(i * 7, 8);
  return b;
});
const dedup = new DedupCache({ windowMs: 200 });
let now = 0;
let duplicates = 0;
const started = process.hrtime.bigint();
for (let i = 0; i < FRAMES; i++) {
  now += 0.05;
  const payload = Buffer.from(bases[i % DISTINCT]);
  payload.writeUInt32BE(i, 16);
  if (dedup.seen(payload, now)) duplicates += 1;
  if (i % 7 === 0 && dedup.seen(payload, now + 1)) duplicates += 1;
}
const nsPerFrame = Number(process.hrtime.bigint() - started) / FRAMES;
console.log(summaryLine('dedup', { frames: FRAMES, ns_per_frame: Number(nsPerFrame.toFixed(0)), duplicates, remembered: dedup.size }));
