// What the configuration check refuses because the daemon could not use it (issue 18, items 4, 5
// and 8): durations beyond what timers or MQTT carry, unknown time zones, a password without a user
// name, an ops endpoint off loopback without a token, YAML aliases in the file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfigText, validateConfig } from '../../../src/config/load.js';
import { TIMER_MAX_MS, formatDurationMs } from '../../../src/config/units.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-edge-limits-'));
const GW = { gateway: { id: '0016c001ff10a235' } };

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    validateConfig(raw, 't', env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

test('a duration a timer cannot wait for is refused, naming the key, the variable and the maximum', () => {
  const fromEnv = problemsOf(GW, { LORA_EDGE_MQTT_PUBLISH_TIMEOUT: '30d' });
  assert.equal(fromEnv.length, 1, fromEnv.join('\n'));
  assert.match(fromEnv[0], /^mqtt\.publishTimeout \(from LORA_EDGE_MQTT_PUBLISH_TIMEOUT\): "30d" is too long: at most 24d 20h 31m 23\.647s \(2147483647 ms, the longest timer Node\.js supports\)$/);
  for (const key of ['reconnectMax', 'reconnectMin', 'publishTimeout', 'liveMaxAge'] as const) {
    const p = problemsOf({ ...GW, mqtt: { [key]: '25d', ...(key === 'reconnectMin' ? { reconnectMax: '1s' } : {}) } });
    assert.ok(p.some((l) => l.startsWith(`mqtt.${key}: "25d" is too long`)), `${key}: ${p.join('\n')}`);
  }
  assert.match(problemsOf({ ...GW, radio: { dedupWindow: '30d' } })[0], /^radio\.dedupWindow: "30d" is too long/);
  assert.match(problemsOf({ ...GW, storage: { flushInterval: 3e9 } })[0], /^storage\.flushInterval: "3000000000" is too long/);
  // Exactly the maximum is fine.
  assert.equal(problemsOf({ ...GW, mqtt: { publishTimeout: TIMER_MAX_MS, reconnectMax: `${TIMER_MAX_MS}ms` } }), []);
  assert.is(formatDurationMs(TIMER_MAX_MS), '24d 20h 31m 23.647s');
});

test('the MQTT keep-alive is bounded by what CONNECT can carry (65535 s)', () => {
  assert.equal(problemsOf({ ...GW, mqtt: { keepalive: '65535s' } }), []);
  const p = problemsOf({ ...GW, mqtt: { keepalive: '70000s' } });
  assert.match(p[0], /^mqtt\.keepalive: "70000s" is too long: at most 18h 12m 15s \(65535000 ms, the largest keep-alive MQTT can carry\)$/);
  assert.match(problemsOf({ ...GW, mqtt: { keepalive: 0 } })[0], /^mqtt\.keepalive: "0" is too short: at least 1s$/);
});

test('durations the daemon would reject at start are refused by the check', () => {
  // Each of these used to pass the check and then fail (or misbehave) in run.
  assert.match(problemsOf({ ...GW, radio: { dedupWindow: 0 } })[0], /^radio\.dedupWindow: "0" is too short/);
  assert.match(problemsOf({ ...GW, storage: { maxAge: '0s' } })[0], /^storage\.maxAge: "0s" is too short/);
  assert.match(problemsOf({ ...GW, mqtt: { reconnectMin: 0 } })[0], /^mqtt\.reconnectMin: "0" is too short/);
  assert.match(problemsOf({ ...GW, storage: { maxAge: '4000d' } })[0], /^storage\.maxAge: "4000d" is too long: at most 3650d \(315360000000 ms, ten years\)$/);
  // maxAge is compared with timestamps, never waited for: the 30d default is fine.
  assert.is(validateConfig(GW, 't', {}).config.storage.maxAge, 30 * 86_400_000);
});

test('a time zone unknown to this system is refused (run would exit on it)', () => {
  const p = problemsOf({ ...GW, ops: { timezone: 'Mars/Phobos' } });
  assert.equal(p, ['ops.timezone: is not a time zone known to this system: use an IANA name such as "Europe/Berlin" or "UTC"']);
  assert.match(problemsOf(GW, { LORA_EDGE_OPS_TIMEZONE: 'Mars/Phobos' })[0], /^ops\.timezone \(from LORA_EDGE_OPS_TIMEZONE\): is not a time zone/);
  assert.equal(problemsOf({ ...GW, ops: { timezone: 'Europe/Berlin' } }), []);
  assert.equal(problemsOf({ ...GW, ops: { timezone: 'UTC' } }), []);
});

test('a password without a user name is refused (mqtt.js would never connect)', () => {
  const pw = join(dir, 'password');
  writeFileSync(pw, 'secret\n');
  assert.equal(problemsOf({ ...GW, mqtt: { passwordFile: pw } }), [
    'mqtt.username: required when a password is given (mqtt.passwordFile): MQTT 3.1.1 sends no password without a user name',
  ]);
  assert.match(problemsOf(GW, { LORA_EDGE_MQTT_PASSWORD: 'secret' })[0], /^mqtt\.username: required when a password is given \(LORA_EDGE_MQTT_PASSWORD\)/);
  assert.equal(problemsOf({ ...GW, mqtt: { passwordFile: pw, username: 'gw' } }), []);
  assert.equal(problemsOf(GW, { LORA_EDGE_MQTT_PASSWORD: 'secret', LORA_EDGE_MQTT_USERNAME: 'gw' }), []);
});

test('the ops endpoint off loopback needs a readable token file of a usable token', () => {
  const open = problemsOf({ ...GW, ops: { http: { bind: '0.0.0.0:9110' } } });
  assert.equal(open.length, 1);
  assert.match(open[0], /^ops\.http\.tokenFile: required when ops\.http\.bind \(0\.0\.0\.0:9110\) is not a loopback address/);
  assert.match(problemsOf({ ...GW, ops: { http: { bind: '192.168.1.20:9110' } } })[0], /^ops\.http\.tokenFile: required/);
  // Disabled, or on loopback: no token needed.
  assert.equal(problemsOf({ ...GW, ops: { http: { bind: '0.0.0.0:9110', enabled: false } } }), []);
  for (const bind of ['127.0.0.1:9110', '127.0.0.53:9110', '[::1]:9110', 'localhost:9110']) {
    assert.equal(problemsOf({ ...GW, ops: { http: { bind } } }), [], bind);
  }
  const short = join(dir, 'short-token');
  writeFileSync(short, 'abc\n');
  assert.match(problemsOf({ ...GW, ops: { http: { bind: '0.0.0.0:9110', tokenFile: short } } })[0], /^ops\.http\.tokenFile: ".*short-token" must hold one token of at least 16 characters/);
  assert.match(problemsOf({ ...GW, ops: { http: { bind: '0.0.0.0:9110', tokenFile: join(dir, 'none') } } })[0], /^ops\.http\.tokenFile: cannot read ".*none" \(no such file\)$/);
  const good = join(dir, 'token');
  writeFileSync(good, 'f'.repeat(48) + '\n');
  assert.equal(problemsOf({ ...GW, ops: { http: { bind: '0.0.0.0:9110', tokenFile: good, allowedHosts: ['gw-17.example.net'] } } }), []);
});

test('YAML aliases in the config file: unresolved and alias bombs are problems with a line, not crashes', () => {
  const problems = (text: string) => {
    try {
      parseConfigText(text, 't', {});
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };
  assert.match(problems('gateway:\n  id: *gw\n')[0], /^line 2: not valid YAML: alias \*gw refers to no anchor/);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (const n of ['b', 'c', 'd', 'e']) bomb.push(`${n}: &${n} [${Array(9).fill(`*${String.fromCharCode(n.charCodeAt(0) - 1)}`).join(', ')}]`);
  assert.match(problems(`${bomb.join('\n')}\ngateway: {id: "0016c001ff10a235"}\n`)[0], /^line \d+: not valid YAML: aliases expand to too many nodes/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
