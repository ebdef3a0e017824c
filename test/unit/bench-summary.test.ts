// Every `npm run bench*` ends with one `SUMMARY name: k=v ...` line, the same keys every run, so
// that runs can be compared: the line's format, and that each bench script prints one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/paths.js';
import { parseSummaryLine, summaryLine } from '../../scripts/bench/summary-line.js';

test('a summary line reads back as its name and fields', () => {
  const line = summaryLine('spine', { frames: 100000, 'frames/s': 19919, cpu_us_per_frame: 41.5, pinned: false, slowest: 'nwave-nps405' });
  assert.is(line, 'SUMMARY spine: frames=100000 frames/s=19919 cpu_us_per_frame=41.5 pinned=false slowest=nwave-nps405');
  assert.equal(parseSummaryLine(line), {
    name: 'spine',
    fields: { frames: '100000', 'frames/s': '19919', cpu_us_per_frame: '41.5', pinned: 'false', slowest: 'nwave-nps405' },
  });
  assert.equal(parseSummaryLine('SUMMARY empty:'), { name: 'empty', fields: {} });
});

test('other lines are not summary lines', () => {
  for (const line of ['', 'summary', 'SUMMARY', 'SUMMARY no colon here', 'rate  50/s sync false', ' SUMMARYx a: b=1']) {
    assert.is(parseSummaryLine(line), undefined, line);
  }
});

test('every bench script in package.json prints a summary line', () => {
  const scripts = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const benches = Object.entries(scripts).filter(([name]) => name === 'bench' || name.startsWith('bench:'));
  assert.ok(benches.length >= 10, `found ${benches.length} bench scripts`);
  for (const [name, command] of benches) {
    const entry = /dist\/(scripts\/bench\/[\w-]+)\.js/.exec(command)?.[1];
    assert.ok(entry, `${name}: no bench entry in "${command}"`);
    const source = readFileSync(packagePath(`${entry}.ts`), 'utf8');
    assert.ok(/summaryLine\(/.test(source), `${name} (${entry}.ts) prints no summary line`);
  }
});

test('a real bench run ends with its summary line (decode-cli, one run)', () => {
  const run = spawnSync(process.execPath, [packagePath('dist', 'scripts', 'bench', 'decode-cli.js'), '--runs', '1'], { encoding: 'utf8', timeout: 60_000 });
  assert.is(run.status, 0, run.stderr);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  const summary = parseSummaryLine(last);
  assert.ok(summary, `last line: ${last}`);
  assert.is(summary.name, 'decode-cli');
  assert.is(summary.fields.runs, '1');
  assert.ok(Number(summary.fields.median_ms) > 0, last);
});

test.run();
