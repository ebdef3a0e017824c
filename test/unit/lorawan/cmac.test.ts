// AES-CMAC against the RFC 4493 section 4 test vectors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCipheriv } from 'node:crypto';
import { aesCmac, LoRaWANError } from '../../../src/lorawan/index.js';

const KEY = '2b7e151628aed2a6abf7158809cf4f3c';
const M64 =
  '6bc1bee22e409f96e93d7e117393172a' +
  'ae2d8a571e03ac9c9eb76fac45af8e51' +
  '30c81c46a35ce411e5fbc1191a0a52ef' +
  'f69f2445df4f9b17ad2b417be66c3710';
const VECTORS: Array<[number, string]> = [
  [0, 'bb1d6929e95937287fa37d129b756746'],
  [16, '070a16b46b4d4144f79bdd9dd04a287c'],
  [40, 'dfa66747de9ae63030ca32611497c827'],
  [64, '51f0bebf7e3b9d92fc49741779363cfe'],
];
const message = (len: number) => Buffer.from(M64, 'hex').subarray(0, len);

test('RFC 4493: AES-128(K, 0) is the documented L value (checks the test key itself)', () => {
  const c = createCipheriv('aes-128-ecb', Buffer.from(KEY, 'hex'), null);
  c.setAutoPadding(false);
  assert.is(c.update(Buffer.alloc(16)).toString('hex'), '7df76b0c1ab899b33e42f047b91b546f');
});

for (const [len, mac] of VECTORS) {
  test(`RFC 4493 example, message length ${len}`, () => {
    assert.is(aesCmac(KEY, message(len)).toString('hex'), mac);
  });
}

test('repeated and interleaved use of one key gives the same tags (cached CBC chaining is cancelled)', () => {
  const other = Buffer.alloc(16, 0x5a);
  for (let round = 0; round < 3; round++) {
    for (const [len, mac] of [...VECTORS].reverse()) {
      aesCmac(other, message(len));
      assert.is(aesCmac(Buffer.from(KEY, 'hex'), message(len)).toString('hex'), mac);
    }
  }
});

test('returned tag is a copy that later calls do not overwrite', () => {
  const first = aesCmac(KEY, message(16));
  aesCmac(KEY, message(40));
  assert.is(first.toString('hex'), VECTORS[1][1]);
});

test('key given as Uint8Array or hex string is the same key', () => {
  const u8 = new Uint8Array(Buffer.from(KEY, 'hex'));
  assert.is(aesCmac(u8, message(64)).toString('hex'), VECTORS[3][1]);
});

test('a key of the wrong size throws bad_key', () => {
  for (const bad of [Buffer.alloc(15), Buffer.alloc(17), 'abcd', '']) {
    try {
      aesCmac(bad, message(16));
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, LoRaWANError);
      assert.is((err as LoRaWANError).code, 'bad_key');
    }
  }
});

test.run();
