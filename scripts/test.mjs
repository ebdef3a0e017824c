#!/usr/bin/env node
// Runs every compiled uvu test file in its own process (isolation: a leaked handle in one file
// cannot hang the others), two at a time, and ends with the one line CI reads:
// `N passed, N failed`.
//
// Usage: node scripts/test.mjs [substring ...]   (only files whose path contains a substring)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist', 'test');
const filters = process.argv.slice(2);
const FILE_TIMEOUT_MS = Number(process.env.LORA_EDGE_TEST_FILE_TIMEOUT_MS ?? 240_000);
const EXIT_GRACE_MS = 5_000;

function findTests(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function runFile(file) {
  return new Promise((resolve) => {
    const rel = relative(root, file);
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let summarySeenAt = 0;
    let exitTimer;
    const onData = (chunk) => {
      output += chunk;
      if (!summarySeenAt && /Duration:/.test(output)) {
        summarySeenAt = Date.now();
        exitTimer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (output += c));
    const timeout = setTimeout(() => child.kill('SIGKILL'), FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(exitTimer);
      const num = (label) => {
        const m = output.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm'));
        return m ? Number(m[1]) : undefined;
      };
      const total = num('Total');
      const passed = num('Passed') ?? 0;
      const skipped = num('Skipped') ?? 0;
      // uvu's Total does not include skipped tests.
      let failed = total === undefined ? 1 : total - passed;
      const notes = [];
      if (total === undefined) notes.push('no uvu summary (import crash or timeout)');
      if (signal === 'SIGKILL' && summarySeenAt) {
        failed += 1;
        notes.push('did not exit after its summary: a handle was left open');
      } else if (signal === 'SIGKILL') notes.push(`killed after ${FILE_TIMEOUT_MS} ms`);
      if (code && code !== 0 && failed === 0) {
        failed = 1;
        notes.push(`exit code ${code}`);
      }
      resolve({ rel, passed, failed, skipped, output, notes });
    });
  });
}

const files = findTests(testRoot).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.log('no test files found (did the build run?)');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const concurrency = Math.max(1, Math.min(Number(process.env.LORA_EDGE_TEST_JOBS ?? 2), availableParallelism()));
const queue = [...files];
const results = [];
async function worker() {
  for (let f = queue.shift(); f; f = queue.shift()) {
    const r = await runFile(f);
    results.push(r);
    const status = r.failed ? 'FAIL' : 'ok  ';
    const extra = r.skipped ? `, ${r.skipped} skipped` : '';
    console.log(`${status} ${r.rel}: ${r.passed} passed, ${r.failed} failed${extra}${r.notes.length ? ` (${r.notes.join('; ')})` : ''}`);
    if (r.failed || process.env.LORA_EDGE_TEST_VERBOSE) console.log(r.output.replace(/^/gm, '    | '));
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));

const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
const skipped = results.reduce((a, r) => a + r.skipped, 0);
console.log('');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
