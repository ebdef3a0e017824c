// Netvox R719A: reports on fPort 6, configuration responses on 7, downlink encoder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const codec = findBuiltinCodec('netvox-r719a')!;
const decode = (fPort: number, bytes: number[]) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });

test('fPort 6 startup report: SW version /10, HW version, date code as lower-case hex', () => {
  assert.equal(decode(6, [0x01, 0x59, 0x00, 0x64, 0x0b, 0x20, 0x20, 0x04, 0x24, 0x00, 0x00]), {
    data: { Device: 'R719A', SWver: 10, HWver: 11, Datecode: '20200424' },
    warnings: [],
    errors: [],
  });
  assert.equal(decode(6, [0x01, 0xaf, 0x00, 0x0f, 0x02, 0x20, 0x1a, 0x0b, 0xc0]).data, { Device: 'R719B', SWver: 1.5, HWver: 2, Datecode: '201a0bc0' });
});

test('fPort 6 status report: voltage, low-battery string, vehicle flag', () => {
  assert.equal(decode(6, [0x01, 0x59, 0x01, 0x1e, 0x01, 0, 0, 0, 0, 0, 0]).data, { Device: 'R719A', Volt: 3, CarOnOff: 1 });
  assert.equal(decode(6, [0x01, 0x59, 0x01, 0x24, 0x00]).data, { Device: 'R719A', Volt: 3.6, CarOnOff: 0 });
  assert.equal(decode(6, [0x01, 0x59, 0x01, 0x80 | 0x1f, 0x01]).data, { Device: 'R719A', Volt: '3.1(low battery)', CarOnOff: 1 });
});

test('unknown device type byte: Device left out with a warning', () => {
  assert.equal(decode(6, [0x01, 0x12, 0x01, 0x1e, 0x00]), { data: { Volt: 3, CarOnOff: 0 }, warnings: ['unknown Netvox device type 0x12'], errors: [] });
});

test('fPort 7 configuration responses', () => {
  assert.equal(decode(7, [0x81, 0x59, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]).data, { Device: 'R719A', Cmd: 'ConfigReportRsp', Status: 'Success' });
  assert.equal(decode(7, [0x81, 0x59, 0x01]).data, { Device: 'R719A', Cmd: 'ConfigReportRsp', Status: 'Failure' });
  assert.equal(decode(7, [0x82, 0x59, 0x03, 0x84, 0x07, 0x08, 0x01, 0, 0, 0, 0]).data, {
    Device: 'R719A',
    Cmd: 'ReadConfigReportRsp',
    MinTime: 900,
    MaxTime: 1800,
    BatteryChange: 0.1,
  });
  assert.equal(decode(7, [0x83, 0x59, 0]).errors, ['unknown fPort 7 command 0x83']);
});

test('short payloads and unknown fPort are errors', () => {
  assert.equal(decode(6, [0x01, 0x59]).errors, ['payload too short for fPort 6: need 3 bytes, got 2 (report header)']);
  assert.equal(decode(6, [0x01, 0x59, 0x00, 1, 2]).errors, ['payload too short for fPort 6: need 9 bytes, got 5 (startup report)']);
  assert.equal(decode(6, [0x01, 0x59, 0x01, 0x1e]).errors, ['payload too short for fPort 6: need 5 bytes, got 4 (status report)']);
  assert.equal(decode(7, [0x82, 0x59, 1]).errors, ['payload too short for fPort 7: need 7 bytes, got 3 (ReadConfigReportRsp)']);
  assert.equal(decode(1, [0]).errors, ['unknown fPort 1 for netvox-r719a (expected 6, 7)']);
});

test('downlink encoder: both commands, always 11 bytes on fPort 7; bad input gives errors', () => {
  const enc = codec.encodeDownlink!;
  assert.equal(enc({ data: { Cmd: 'ConfigReportReq', Device: 'R719A', MinTime: 900, MaxTime: 1800, BatteryChange: 0.1 } }), {
    fPort: 7,
    bytes: [0x01, 0x59, 0x03, 0x84, 0x07, 0x08, 0x01, 0, 0, 0, 0],
    warnings: [],
    errors: [],
  });
  assert.equal(enc({ data: { Cmd: 'ReadConfigReportReq', Device: 'R719B' } }).bytes, [0x02, 0xaf, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(enc({ data: { Cmd: 'ReadConfigReportReq', Device: 'R000' } }).errors, ['Device must be "R719A" or "R719B"']);
  assert.equal(enc({ data: { Cmd: 'Nope', Device: 'R719A' } }).errors, ['Cmd must be "ConfigReportReq" or "ReadConfigReportReq"']);
  assert.equal(enc({ data: { Cmd: 'ConfigReportReq', Device: 'R719A', MinTime: 70000, MaxTime: 1 } }).errors, [
    'MinTime and MaxTime must be integers 0..65535 (seconds)',
  ]);
  assert.equal(enc({ data: { Cmd: 'ConfigReportReq', Device: 'R719A', MinTime: 1, MaxTime: 1, BatteryChange: 30 } }).errors, [
    'BatteryChange must be a number 0..25.5 (volts)',
  ]);
});

test.run();
