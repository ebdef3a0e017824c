// Where lora-edge's own files are: the same code runs from src/ (tsx) and from dist/src/ (built),
// so the package root is found by walking up to our package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lora-edge') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the lora-edge package root (package.json)');
    dir = parent;
  }
}

/** A file shipped with lora-edge, by its path relative to the package root. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
