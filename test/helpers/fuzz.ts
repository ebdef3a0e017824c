// Seeded generators for the fuzz tier. Every run prints its seed; LORA_EDGE_FUZZ_SEED=<n> replays
// it exactly, LORA_EDGE_FUZZ_ITERATIONS=<n> runs longer (CI nightly, or a hunt).
import { seededRandom } from '../../src/testing/serial/simulator-port.js';

export interface Fuzz {
  seed: number;
  iterations: number;
  float(): number;
  int(min: number, max: number): number;
  bool(p?: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
  /** Text with ASCII, quotes, escapes, control characters, non-BMP characters. */
  text(maxLength: number): string;
  /** Numbers a hostile peer sends: huge, tiny, negative, fractional, edge of integer ranges. */
  number(): number;
  /** Any JSON value, nested up to `depth`. */
  json(depth?: number): unknown;
  /** `value` with some fields replaced, removed or added. */
  mutate(value: Record<string, unknown>, rounds?: number): Record<string, unknown>;
}

const HOSTILE_NUMBERS = [
  0, -0, 1, -1, 0.5, 1e308, -1e308, 1e20, -1e20, 5e-324, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53),
  255, 256, 65535, 65536, 863e6, 870e6, 868.1, 868.59, 869.4, 869.525, 2425, 2500.1, -200.5, 20.5, 50.5, -50.5,
];

export function fuzzFor(name: string, defaultIterations: number): Fuzz {
  const fromEnv = process.env.LORA_EDGE_FUZZ_SEED;
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : (Date.now() ^ (process.pid << 8)) >>> 0;
  const iterations = Number(process.env.LORA_EDGE_FUZZ_ITERATIONS ?? defaultIterations);
  console.log(`  [fuzz] ${name}: seed ${seed}, ${iterations} iterations (replay: LORA_EDGE_FUZZ_SEED=${seed})`);
  const random = seededRandom(seed);
  const f: Fuzz = {
    seed,
    iterations,
    float: random,
    int: (min, max) => min + Math.floor(random() * (max - min + 1)),
    bool: (p = 0.5) => random() < p,
    pick: (items) => items[Math.floor(random() * items.length)],
    bytes: (n) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
      return b;
    },
    text: (maxLength) => {
      const n = f.int(0, maxLength);
      let s = '';
      for (let i = 0; i < n; i++) {
        const kind = random();
        if (kind < 0.7) s += String.fromCharCode(f.int(0x20, 0x7e));
        else if (kind < 0.8) s += f.pick(['"', '\\', '\n', '\u0000', '\u2028', '{', '}']);
        else if (kind < 0.9) s += '😀';
        else s += String.fromCharCode(f.int(0x80, 0xd7ff));
      }
      return s;
    },
    number: () => (f.bool(0.6) ? f.pick(HOSTILE_NUMBERS) : (random() - 0.5) * 10 ** f.int(0, 12)),
    json: (depth = 3) => {
      const kind = f.int(0, depth > 0 ? 7 : 4);
      switch (kind) {
        case 0: return null;
        case 1: return f.bool();
        case 2: return f.number();
        case 3: return f.text(f.bool(0.05) ? 5000 : 40);
        case 4: return f.int(-5, 300);
        case 5: return Array.from({ length: f.int(0, 6) }, () => f.json(depth - 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = f.int(0, 6); i > 0; i--) o[f.text(12)] = f.json(depth - 1);
          return o;
        }
      }
    },
    mutate: (value, rounds = f.int(1, 4)) => {
      const out: Record<string, unknown> = { ...value };
      const keys = Object.keys(out);
      for (let r = 0; r < rounds; r++) {
        const op = f.int(0, 3);
        if (op === 0 && keys.length) delete out[f.pick(keys)];
        else if (op === 1 && keys.length) out[f.pick(keys)] = f.json(2);
        else if (op === 2 && keys.length) out[f.pick(keys)] = f.number();
        else out[f.text(10)] = f.json(2);
      }
      return out;
    },
  };
  return f;
}
