import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { problemFromOpenError, problemFromPathFacts } from '../../../../src/radio/serial/open-problems.js';

const PATH = '/dev/serial/by-id/usb-Seeed_LoRa-E5-if00';

test('a missing path is a retryable "not present"', () => {
  const problem = problemFromPathFacts(PATH, { statErrorCode: 'ENOENT' });
  assert.is(problem?.kind, 'missing');
  assert.match(problem?.message ?? '', /not present/);
});

test('no permission names the dialout group and the command to fix it', () => {
  for (const facts of [{ statErrorCode: 'EACCES' }, { isCharacterDevice: true, accessErrorCode: 'EACCES' }]) {
    const problem = problemFromPathFacts(PATH, facts);
    assert.is(problem?.kind, 'permission');
    assert.match(problem?.message ?? '', /dialout/);
    assert.match(problem?.message ?? '', /usermod -aG dialout/);
  }
});

test('a directory or a regular file is not a tty', () => {
  assert.is(problemFromPathFacts('/tmp', { isDirectory: true, isCharacterDevice: false })?.kind, 'not-a-tty');
  const file = problemFromPathFacts('/etc/hostname', { isDirectory: false, isCharacterDevice: false });
  assert.is(file?.kind, 'not-a-tty');
  assert.match(file?.message ?? '', /not a serial device/);
});

test('a readable character device raises nothing before opening', () => {
  assert.is(problemFromPathFacts('/dev/ttyUSB0', { isCharacterDevice: true, isDirectory: false }), undefined);
});

test('serialport open errors (text only) are classified', () => {
  assert.is(problemFromOpenError(PATH, 'Error: No such file or directory, cannot open ' + PATH).kind, 'missing');
  const permission = problemFromOpenError(PATH, 'Error: Permission denied, cannot open ' + PATH);
  assert.is(permission.kind, 'permission');
  assert.match(permission.message, /dialout/);
  assert.is(problemFromOpenError('/dev/null', 'Error: Inappropriate ioctl for device setting custom baud rate of 9600').kind, 'not-a-tty');
  const busy = problemFromOpenError(PATH, 'Error Resource temporarily unavailable Cannot lock port');
  assert.is(busy.kind, 'busy');
  assert.match(busy.message, /ModemManager/);
  const other = problemFromOpenError(PATH, 'Error: something odd');
  assert.equal(other, { kind: 'other', message: `cannot open ${PATH}: Error: something odd` });
});

test.run();
