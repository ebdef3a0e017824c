// Cron schedules in the configuration: fields as written, nicknames as their fields, and anything
// node-cron would run differently from what it says refused with the key named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cronFields, isCronSchedule } from '../../../src/config/cron-expression.js';
import { validateConfig, ConfigError } from '../../../src/config/load.js';

const accepted: Array<[string, string]> = [
  ['*/30 * * * * *', '*/30 * * * * *'],
  ['0 * * * *', '0 * * * *'],
  ['  0   0 * * 1-5 ', '0 0 * * 1-5'],
  ['0 0 * * MON-FRI', '0 0 * * MON-FRI'],
  ['59 23 * * 7', '59 23 * * 7'],
  ['@daily', '0 0 * * *'],
  ['@Hourly', '0 * * * *'],
  ['@midnight', '0 0 * * *'],
  ['@weekly', '0 0 * * 0'],
  ['@monthly', '0 0 1 * *'],
  ['@yearly', '0 0 1 1 *'],
  ['@annually', '0 0 1 1 *'],
];
const refused = ['', '   ', '* * * *', '* * * * * * *', '61 * * * *', '*/0 * * * *', '1-70 * * * *', '@reboot', '@every 5m', 'a b c d e', '0 0 L * *'];

test('schedules node-cron runs as written are accepted, in their one form', () => {
  for (const [written, fields] of accepted) {
    assert.is(cronFields(written), fields, written);
    assert.ok(isCronSchedule(cronFields(written)), written);
  }
});

test('anything else is refused, a seventh field included (node-cron 3 would ignore it)', () => {
  for (const written of refused) assert.not.ok(isCronSchedule(cronFields(written)), JSON.stringify(written));
});

test('the configuration names the key of a bad schedule and keeps a good one in its one form', () => {
  const base = { gateway: { id: '0016c001ff10a235' }, sources: [{ type: 'udp' }] };
  const ok = validateConfig({ ...base, ops: { summarySchedule: '@daily', statsSchedule: ' */10  * * * * * ' } }, 'test', {}).config;
  assert.is(ok.ops.summarySchedule, '0 0 * * *');
  assert.is(ok.ops.statsSchedule, '*/10 * * * * *');
  try {
    validateConfig({ ...base, ops: { retentionSchedule: '0 * * * * * *' } }, 'test', {});
    assert.unreachable('a seven-field schedule must be refused');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, /ops\.retentionSchedule/);
    assert.match((err as Error).message, /cron expression/);
  }
});

test.run();
