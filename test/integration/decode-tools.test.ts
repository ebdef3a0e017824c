// `lora-edge decode` with vendor-style JavaScript codecs and `--examples`, and `profiles check`
// running a profile's examples: called as functions with stdout/stderr captured, plus the real
// command line for exit codes and stderr.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeCommand } from '../../src/tools/decode.js';
import { profilesCommand } from '../../src/tools/profiles.js';
import { codecFixture } from '../fixtures/codecs/paths.js';
import { runCli } from '../helpers/cli.js';
import { capture, usageError } from '../helpers/tool-output.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lora-edge-decode-tools-'));
}

const EXAMPLES = codecFixture(path.join('examples', 'level-meter.yaml'));

test('decode: ChirpStack v3 Decode returning undefined prints data null, exit 0', async () => {
  const r = await capture(() => decodeCommand(['--codec', codecFixture('v3-status-undefined.js'), '--fport', '2', '00']));
  assert.is(r.code, 0);
  assert.equal(JSON.parse(r.stdout), { data: null, warnings: [], errors: [] });
});

test('decode: what the codec logs goes to stderr only, the JSON to stdout', async () => {
  const r = await capture(() => decodeCommand(['--codec', codecFixture('console-logging.js'), '--fport', '1', '010203']));
  assert.is(r.code, 0);
  assert.equal(JSON.parse(r.stdout), { data: { n: 3 }, warnings: [], errors: [] });
  assert.equal(r.stderr.trim().split('\n'), [
    "codec console.log: odd frame [ 1, 2, 3 ] { name: 'frame', size: 3, self: [Circular] }",
    'codec console.info: payload has 3 bytes',
    'codec console.warn: { nested: { deeper: { deepest: [Object] } } } [Function: helper]',
    'codec console.error: 1970-01-01T00:00:00.000Z',
  ]);
});

test('decode: a call that overflows the in-process stack is re-run in the worker sandbox, same answer as --worker', async () => {
  const args = ['--codec', codecFixture('deep-nesting.js'), '--fport', '1', '0a'];
  const inline = await capture(() => decodeCommand(args));
  const worker = await capture(() => decodeCommand([...args, '--worker']));
  assert.equal(JSON.parse(inline.stdout), { data: { nested: true }, warnings: [], errors: [] });
  assert.is(inline.stdout, worker.stdout);
  assert.match(inline.stderr, /ran it in the daemon's worker sandbox/);
  assert.is(worker.stderr, '');
});

test('decode --examples: pass/FAIL per example with the differences, fileName resolved beside the YAML, exit 1', async () => {
  const r = await capture(() => decodeCommand(['--examples', EXAMPLES]));
  assert.is(r.code, 1);
  assert.is(
    r.stdout,
    [
      'pass 1: Level and alarm (fPort 1)',
      'pass 2: Status frame (fPort 2)',
      'FAIL 3: Wrong expectation (fPort 1)',
      '    data.level: expected 41, got 40',
      '    warnings: expected 1 item ["calibrate"], got 0 []',
      '2 of 3 examples pass',
      '',
    ].join('\n'),
  );
});

test('decode --examples with --codec: the given codec is used instead of fileName; all pass, exit 0', async () => {
  const dir = tempDir();
  try {
    const yaml = fs.readFileSync(EXAMPLES, 'utf8').replace('level: 41', 'level: 40').replace("        warnings: ['calibrate']\n", '');
    const file = path.join(dir, 'good.yaml');
    fs.writeFileSync(file, yaml.replace('fileName: level-meter.js', 'fileName: does-not-exist.js'));
    const r = await capture(() => decodeCommand(['--examples', file, '--codec', codecFixture(path.join('examples', 'level-meter.js'))]));
    assert.is(r.code, 0, r.stdout);
    assert.match(r.stdout, /3 of 3 examples pass\n$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('decode --examples: unusable files and bad combinations are usage errors with the reason', async () => {
  const dir = tempDir();
  try {
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    assert.match(await usageError(() => decodeCommand(['--examples', path.join(dir, 'none.yaml')])), /cannot read .*none\.yaml: ENOENT/);
    assert.match(await usageError(() => decodeCommand(['--examples', write('a.yaml', 'x: [')])), /not valid YAML/);
    assert.match(await usageError(() => decodeCommand(['--examples', write('b.yaml', 'downlinkEncoder: {}\n')])), /no uplinkDecoder section/);
    const noFile = write('c.yaml', 'uplinkDecoder:\n  examples:\n    - input: { fPort: 1, bytes: [1] }\n      output: { data: {} }\n');
    assert.match(await usageError(() => decodeCommand(['--examples', noFile])), /no uplinkDecoder\.fileName; give the codec with --codec/);
    const badExample = write('d.yaml', 'uplinkDecoder:\n  fileName: x.js\n  examples:\n    - input: { fPort: 1, bytes: [300] }\n      output: {}\n');
    assert.match(await usageError(() => decodeCommand(['--examples', badExample])), /uplinkDecoder\.examples\[0\]\.input\.bytes must be a list of byte values/);
    assert.match(await usageError(() => decodeCommand(['--examples', EXAMPLES, '--fport', '1'])), /give no --fport or payload/);
    const missingCodec = write('e.yaml', 'uplinkDecoder:\n  fileName: missing.js\n  examples: []\n');
    assert.match(await usageError(() => decodeCommand(['--examples', missingCodec])), /codec file not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('decode --examples against a built-in codec id', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'am307.yaml');
    fs.writeFileSync(
      file,
      [
        'uplinkDecoder:',
        '  examples:',
        '    - description: newer firmware adds 05 6a',
        '      input: { fPort: 85, bytes: [0x01, 0x75, 92, 0x05, 0x6a, 3, 0] }',
        '      output:',
        '        data: { battery: 92 }',
        "        warnings: ['skipped unknown channel 05 6a at offset 3 (2-byte value, newer firmware?)']",
        '',
      ].join('\n'),
    );
    const r = await capture(() => decodeCommand(['--examples', file, '--codec', 'milesight-am307']));
    assert.is(r.code, 0, r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('profiles check runs the examples a profile lists and reports a failing one', async () => {
  const dir = tempDir();
  try {
    fs.copyFileSync(codecFixture(path.join('examples', 'level-meter.js')), path.join(dir, 'level-meter.js'));
    const profile = (examples: string) =>
      [
        'id: acme-level',
        'vendor: Acme',
        'model: Level meter',
        'category: other',
        'codec: ./level-meter.js',
        'fPorts: [1, 2]',
        'class: A',
        'region: EU868',
        'description: Fictional level meter.',
        'examples:',
        '  - description: Level and alarm',
        '    input: { fPort: 1, bytes: [40, 1] }',
        `    output: { data: { level: ${examples}, alarm: true } }`,
        '  - input: { fPort: 2, bytes: [0] }',
        '    output: { data: null }',
        '',
      ].join('\n');
    const file = path.join(dir, 'acme-level.yaml');
    fs.writeFileSync(file, profile('40'));
    const shipped = await capture(() => profilesCommand(['check']));
    const shippedExamples = Number(/(\d+) examples pass\n$/.exec(shipped.stdout)?.[1] ?? 0);
    const good = await capture(() => profilesCommand(['check', dir]));
    assert.is(good.code, 0, good.stdout);
    assert.match(good.stdout, new RegExp(`every codec loads, ${shippedExamples + 2} examples pass\n$`));

    fs.writeFileSync(file, profile('39'));
    const bad = await capture(() => profilesCommand(['check', dir]));
    assert.is(bad.code, 1);
    assert.ok(bad.stdout.includes(`${file}: example 1 "Level and alarm" fails: data.level: expected 39, got 40\n`), bad.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the command line: console on stderr, JSON on stdout, exit codes', async () => {
  const ok = await runCli(['decode', '--codec', codecFixture('console-logging.js'), '--fport', '1', '01']);
  assert.is(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout), { data: { n: 1 }, warnings: [], errors: [] });
  assert.match(ok.stderr, /^codec console\.log: odd frame \[ 1 \]/);
  const failing = await runCli(['decode', '--examples', EXAMPLES]);
  assert.is(failing.code, 1);
  assert.match(failing.stdout, /2 of 3 examples pass/);
  const thrown = await runCli(['decode', '--codec', codecFixture('console-logging.js'), '--fport', '6', '01']);
  assert.is(thrown.code, 1);
  assert.match(thrown.stderr, /codec console\.error: about to fail on \[ 1 \]/);
  assert.match(JSON.parse(thrown.stdout).errors[0], /codec threw Error: cannot decode/);
});

test.run();
