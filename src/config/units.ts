// Human-friendly durations ("20ms", "30s", "5m", "1h", "30d") and sizes ("256KiB", "512MiB") for the
// config file; plain numbers mean milliseconds and bytes.

/**
 * The longest delay Node's timers support (2^31-1 ms, about 24.8 days). A longer one does not
 * wait: Node warns and fires it after 1 ms, so a timeout of "30d" would fire continuously.
 */
export const TIMER_MAX_MS = 2 ** 31 - 1;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

function parseWithUnits(input: string | number, units: Record<string, number>, what: string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error(`${what} must be a non-negative number`);
    // Timers and byte counts are whole numbers; 1.5 (ms or bytes) means 2.
    return Math.round(input);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!m) throw new Error(`"${input}" is not a ${what} (examples: ${Object.keys(units).slice(0, 4).map((u) => `10${u}`).join(', ')})`);
  const unit = m[2].toLowerCase();
  const factor = unit === '' ? 1 : units[unit];
  if (factor === undefined) {
    throw new Error(`unknown unit "${m[2]}" in "${input}" (use one of: ${Object.keys(units).join(', ')})`);
  }
  return Math.round(Number(m[1]) * factor);
}

/** Milliseconds from a number (ms) or a string such as "30s". */
export function parseDuration(input: string | number): number {
  return parseWithUnits(input, DURATION_UNITS, 'duration');
}

/** Bytes from a number or a string such as "512MiB". */
export function parseSize(input: string | number): number {
  return parseWithUnits(input, SIZE_UNITS, 'size');
}

/** A duration for messages: "24d 20h 31m 23.647s" style, largest units first. */
export function formatDurationMs(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0 || parts.length === 0) parts.push(rest % 1000 === 0 ? `${rest / 1000}s` : rest < 1000 ? `${rest}ms` : `${rest / 1000}s`);
  return parts.join(' ');
}
