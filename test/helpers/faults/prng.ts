// The fault harness's seeded random source: the shared mulberry32 one, so a schedule replays
// exactly from its seed.
export { seededRandom as prng, type SeededRandom as Prng } from '../seeded-random.js';

/** A fresh seed when none is given (printed by every caller so the run can be replayed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
