// Database URLs, PostgreSQL placeholders and the hub's owner map: small pure pieces with clear errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeDbUrl, parseDbUrl } from '../../../src/hub/open-store.js';
import { parseOwnerMap } from '../../../src/hub/owner-map.js';
import { numberPlaceholders } from '../../../src/hub/postgres-store.js';

test('database URLs: sqlite:PATH and postgres://, anything else refused', () => {
  assert.equal(parseDbUrl('sqlite:/var/lib/hub.db'), { kind: 'sqlite', file: '/var/lib/hub.db' });
  assert.equal(parseDbUrl('sqlite:hub.db'), { kind: 'sqlite', file: 'hub.db' });
  assert.equal(parseDbUrl('sqlite:///var/lib/hub.db'), { kind: 'sqlite', file: '/var/lib/hub.db' });
  assert.equal(parseDbUrl('postgres://u:p@h/db'), { kind: 'postgres', url: 'postgres://u:p@h/db' });
  assert.equal(parseDbUrl('postgresql://h/db').kind, 'postgres');
  assert.throws(() => parseDbUrl('sqlite:'), /needs a file path/);
  assert.throws(() => parseDbUrl('mysql://h/db'), /sqlite:PATH or postgres/);
});

test('passwords are not logged', () => {
  assert.is(describeDbUrl('postgres://hub:s3cret@db:5432/hub'), 'postgres://hub:***@db:5432/hub');
  assert.is(describeDbUrl('sqlite:/x.db'), 'sqlite:/x.db');
});

test('? placeholders become $1, $2, ...', () => {
  assert.is(numberPlaceholders('SELECT ? WHERE a = ? AND b = ?'), 'SELECT $1 WHERE a = $2 AND b = $3');
});

test('owner map: by DevEUI, then by DevAddr; bad files refused with the entry', () => {
  const m = parseOwnerMap('devices:\n  - devEui: "70B3D57ED0000001"\n    owner: water\n    activation: { devAddr: "26000001" }\n');
  assert.is(m.size, 1);
  assert.is(m.ownerOf('70b3d57ed0000001', null), 'water');
  assert.is(m.ownerOf(null, '26000001'), 'water');
  assert.is(m.ownerOf('70b3d57ed0000002', '26000002'), null);
  assert.throws(() => parseOwnerMap('devices:\n  - devEui: "x"\n'), /entry 1 needs devEui and owner/);
  assert.throws(() => parseOwnerMap('nothing: here\n'), /no top-level "devices:" list/);
  assert.throws(() => parseOwnerMap('devices: [\n'), /registry/);
});

test.run();
