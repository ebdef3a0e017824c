// A one-line terminal progress bar for operator tools. It draws on a TTY only, so piped or
// logged output stays clean.

export function renderProgressBar(done: number, total: number, width = 30): string {
  const safeTotal = Math.max(0, total);
  const clamped = Math.min(Math.max(0, done), safeTotal);
  const ratio = safeTotal === 0 ? 1 : clamped / safeTotal;
  const filled = Math.round(ratio * width);
  const percent = Math.floor(ratio * 100);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${total}`;
}

export interface ProgressBar {
  update(done: number, total: number): void;
  /** Ends the line so later output starts on a fresh one. */
  finish(): void;
}

interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

export function createProgressBar(stream: ProgressStream = process.stderr, width = 30): ProgressBar {
  if (!stream.isTTY) return { update: () => undefined, finish: () => undefined };
  let last = '';
  return {
    update(done, total) {
      const line = renderProgressBar(done, total, width);
      if (line === last) return;
      last = line;
      stream.write(`\r${line}`);
    },
    finish() {
      if (last !== '') stream.write('\n');
      last = '';
    },
  };
}
