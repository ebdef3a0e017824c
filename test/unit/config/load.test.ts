import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseConfigText, loadConfigFile, ConfigError, validateConfig, sourceId } from '../../../src/config/load.js';
import { envKeys } from '../../../src/config/env.js';
import { CONFIG_TEMPLATE } from '../../../src/config/template.js';
import { parseDuration, parseSize } from '../../../src/config/units.js';

const ISSUE_EXAMPLE = `
gateway:
  id: "0016c001ff10a235"        # EUI-64, 16 hex digits
sources:
  - type: udp
    bind: "127.0.0.1:1700"
mqtt:
  url: "mqtt://127.0.0.1:1883"
  topicPrefix: "eu868"
  marshaler: protobuf
storage:
  dir: "/var/lib/lora-edge"
log:
  level: info
`;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.unreachable('expected a ConfigError');
  return [];
}

test('the keys of the documented example are accepted as written', () => {
  const { config } = parseConfigText(ISSUE_EXAMPLE, 'example', {});
  assert.is(config.gateway.id, '0016c001ff10a235');
  assert.equal(config.sources, [{ type: 'udp', bind: '127.0.0.1:1700' }]);
  assert.is(config.mqtt.url, 'mqtt://127.0.0.1:1883');
  assert.is(config.mqtt.topicPrefix, 'eu868');
  assert.is(config.mqtt.marshaler, 'protobuf');
  assert.is(config.storage.dir, '/var/lib/lora-edge');
  assert.is(config.log.level, 'info');
});

test('defaults fill every unspecified key', () => {
  const { config } = parseConfigText('gateway: {id: "0016C001FF10A235"}', 't', {});
  assert.is(config.gateway.id, '0016c001ff10a235', 'EUI normalised to lower case');
  assert.is(config.storage.maxBytes, 512 * 1024 * 1024);
  assert.is(config.storage.maxAge, 30 * 86_400_000);
  assert.is(config.storage.flushInterval, 20);
  assert.is(config.storage.flushMaxRecords, 256);
  assert.is(config.storage.sync, true, 'power cuts are common on lamp posts: fsync by default');
  assert.is(config.batch.maxRecords, 500);
  assert.is(config.batch.maxBytes, 256 * 1024);
  assert.is(config.batch.inflight, 8);
  assert.is(config.batch.compression, 'none');
  assert.is(config.mqtt.liveMaxAge, 30_000);
  assert.is(config.radio.forwardCrcBad, false);
  assert.equal(config.sources, [{ type: 'udp', bind: '127.0.0.1:1700' }]);
});

test('the printed template parses and equals the schema defaults', () => {
  const fromTemplate = parseConfigText(CONFIG_TEMPLATE, 'template', {}).config;
  const minimal = parseConfigText('gateway: {id: "0016c001ff10a235"}', 'minimal', {}).config;
  assert.equal(fromTemplate, minimal);
});

test('every problem is listed with its key path', () => {
  const problems = problemsOf(() =>
    parseConfigText(
      `gateway: {id: "xyz"}
sources: [{type: udp, bind: "nohost"}, {type: carrier-pigeon}]
mqtt: {url: "http://broker", marshaler: xml, topicprefix: eu868}
storage: {maxBytes: "lots", flushMaxRecords: 0}
log: {level: loud}
`,
      't',
      {},
    ),
  );
  const text = problems.join('\n');
  assert.match(text, /gateway\.id: must be an EUI-64/);
  assert.match(text, /sources\[0\]\.bind: must be "host:port"/);
  assert.match(text, /sources\[1\]\.type: must be one of "udp", "serial"/);
  assert.match(text, /mqtt\.url: must start with mqtt:\/\/ or mqtts:\/\//);
  assert.match(text, /mqtt\.marshaler:/);
  assert.match(text, /mqtt\.topicprefix: unknown key/);
  assert.match(text, /storage\.maxBytes: "lots" is not a size/);
  assert.match(text, /storage\.flushMaxRecords:/);
  assert.match(text, /log\.level:/);
  assert.ok(problems.length >= 9, `got ${problems.length} problems`);
});

test('a missing gateway id is reported as required', () => {
  const problems = problemsOf(() => parseConfigText('log: {level: info}', 't', {}));
  assert.equal(problems, ['gateway: required (expected object, received undefined)']);
});

test('YAML syntax errors give line and column', () => {
  const problems = problemsOf(() => parseConfigText('gateway:\n  id: "abc\n  x: [', 't', {}));
  assert.ok(problems.length >= 1);
  assert.match(problems[0], /^line \d+, column \d+: /);
});

test('a missing file says how to create one', () => {
  const problems = problemsOf(() => loadConfigFile(join(tmpdir(), 'lora-edge-does-not-exist', 'config.yaml'), {}));
  assert.match(problems[0], /no such file \(write one with: lora-edge print-config/);
});

test('environment overrides win over the file, typed by the schema', () => {
  const { config, envApplied } = parseConfigText(ISSUE_EXAMPLE, 't', {
    LORA_EDGE_MQTT_URL: 'mqtts://hub.example:8883',
    LORA_EDGE_MQTT_TOPIC_PREFIX: 'us915',
    LORA_EDGE_GATEWAY_ID: '1234567890123456',
    LORA_EDGE_STORAGE_SYNC: 'false',
    LORA_EDGE_BATCH_INFLIGHT: '3',
    LORA_EDGE_STORAGE_MAX_BYTES: '1GiB',
  });
  assert.is(config.mqtt.url, 'mqtts://hub.example:8883');
  assert.is(config.mqtt.topicPrefix, 'us915');
  assert.is(config.gateway.id, '1234567890123456', 'digits-only id stays a string');
  assert.is(config.storage.sync, false);
  assert.is(config.batch.inflight, 3);
  assert.is(config.storage.maxBytes, 1024 ** 3);
  assert.is(envApplied.length, 6);
});

test('bad environment values are problems, not crashes', () => {
  const problems = problemsOf(() =>
    parseConfigText(ISSUE_EXAMPLE, 't', { LORA_EDGE_BATCH_INFLIGHT: 'many', LORA_EDGE_STORAGE_SYNC: 'perhaps' }),
  );
  assert.equal(problems.sort(), [
    'LORA_EDGE_BATCH_INFLIGHT: "many" is not a number',
    'LORA_EDGE_STORAGE_SYNC: "perhaps" is not a boolean (use true or false)',
  ]);
});

test('env keys are derived from the schema', () => {
  const names = envKeys().map((k) => k.name);
  for (const n of ['LORA_EDGE_GATEWAY_ID', 'LORA_EDGE_MQTT_PASSWORD_FILE', 'LORA_EDGE_STORAGE_DIR', 'LORA_EDGE_LOG_LEVEL', 'LORA_EDGE_MQTT_LIVE_MAX_AGE']) {
    assert.ok(names.includes(n), n);
  }
  assert.not.ok(names.some((n) => n.startsWith('LORA_EDGE_SOURCES')), 'arrays are file-only');
});

test('semantic checks: AT modems need their channel, files must be readable, ids unique', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-'));
  const pw = join(dir, 'pw');
  writeFileSync(pw, 'secret\n');
  const problems = problemsOf(() =>
    validateConfig(
      {
        gateway: { id: '0016c001ff10a235' },
        sources: [
          { type: 'serial', driver: 'lora-e5', path: '/dev/ttyUSB0', baudRate: 9600, frequency: 868100000 },
          { type: 'udp', bind: '127.0.0.1:1700', id: 'x' },
          { type: 'udp', bind: '127.0.0.1:1701', id: 'x' },
        ],
        mqtt: { passwordFile: join(dir, 'missing'), cert: pw },
      },
      't',
      {},
    ),
  );
  const text = problems.join('\n');
  assert.match(text, /sources\[0\]\.spreadingFactor: required for the lora-e5 driver/);
  assert.match(text, /sources\[0\]\.bandwidth: required/);
  assert.match(text, /sources\[2\]: duplicate source id "x"/);
  assert.match(text, /mqtt\.passwordFile: cannot read .* \(no such file\)/);
  assert.match(text, /mqtt\.cert, mqtt\.key: give both/);
});

test('source ids', () => {
  const one = [{ type: 'udp' as const, bind: '127.0.0.1:1700' }];
  assert.is(sourceId(one[0], one), 'udp');
  const two = [one[0], { type: 'udp' as const, bind: '127.0.0.1:1701' }];
  assert.is(sourceId(two[1], two), 'udp:127.0.0.1:1701');
});

test('units', () => {
  assert.is(parseDuration('20ms'), 20);
  assert.is(parseDuration('30s'), 30_000);
  assert.is(parseDuration('1.5h'), 5_400_000);
  assert.is(parseDuration(250), 250);
  assert.is(parseDuration('250'), 250);
  assert.is(parseSize('256KiB'), 262_144);
  assert.is(parseSize('1MB'), 1_000_000);
  assert.throws(() => parseDuration('3 fortnights'), /unknown unit "fortnights"/);
  assert.throws(() => parseSize('-1'), /not a size/);
});

test('YAML round trip of a full config object keeps its meaning', () => {
  const { config } = parseConfigText(ISSUE_EXAMPLE, 't', {});
  const again = parseConfigText(YAML.stringify(config), 't2', {}).config;
  assert.equal(again, config);
});

test('uplink filters and gateway.location: check-config names each bad entry, warns about stray bits', () => {
  const gateway = { id: '0016c001ff10a235' };
  const problems = problemsOf(() =>
    validateConfig({
      gateway: { ...gateway, location: { latitude: 91, longitude: 0 } },
      filters: { live: { devAddrPrefixes: ['26000000/7', '2600/7'] }, batch: { netIds: ['!0013'], joinEuiPrefixes: ['70b3d57ed0000000/65'] } },
    }, 't', {}),
  );
  assert.ok(problems.some((p) => p.startsWith('gateway.location.latitude:')), problems.join('\n'));
  const more = problemsOf(() =>
    validateConfig({ gateway, filters: { live: { devAddrPrefixes: ['26000000/7', '2600/7'] }, batch: { netIds: ['!0013'], joinEuiPrefixes: ['70b3d57ed0000000/65'] } } }, 't', {}),
  );
  assert.equal(more.map((p) => p.slice(0, p.indexOf(':'))), ['filters.live.devAddrPrefixes[1]', 'filters.batch.netIds[0]', 'filters.batch.joinEuiPrefixes[0]']);
  const ok = validateConfig({ gateway, batch: { onlyRegistered: true }, filters: { batch: { devAddrPrefixes: ['26ffffff/8', '!26011200/24'] } } }, 't', {});
  assert.is(ok.config.batch.onlyRegistered, true);
  assert.equal(ok.config.filters.live, { netIds: [], devAddrPrefixes: [], joinEuiPrefixes: [] });
  assert.equal(ok.warnings.filter((w) => w.startsWith('filters.')).length, 1);
  assert.match(ok.warnings.find((w) => w.startsWith('filters.'))!, /filters\.batch\.devAddrPrefixes\[0\]: .*"26000000\/8"/);
});

test.run();
