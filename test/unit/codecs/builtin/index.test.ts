// The built-in codec index: every codec file in src/codecs/builtin is listed in catalogue.ts (a
// file that defines a codec but is not listed fails here), each is named after its id, and the
// examples a codec declares pass through the daemon's dispatch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuiltinCodec } from '../../../../src/codecs/contract.js';
import { builtinCodecDir, builtinCodecFile, builtinCodecs, validateCatalogue } from '../../../../src/codecs/builtin/index.js';
import { defineCodec, isDefinedCodec } from '../../../../src/codecs/builtin/define-codec.js';
import { builtinDeviceCodec } from '../../../../src/codecs/device-codec.js';

const dir = builtinCodecDir();
const ext = extname(builtinCodecFile('x'));
const modules = readdirSync(dir).filter((n) => n.endsWith(ext) && !n.endsWith(`.d${ext}`)).sort();

/** Every codec defined by any module of the folder, with the module that exports it. */
async function definedCodecs(): Promise<Array<{ file: string; codec: BuiltinCodec }>> {
  const found: Array<{ file: string; codec: BuiltinCodec }> = [];
  for (const name of modules) {
    const mod = (await import(pathToFileURL(join(dir, name)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (typeof value === 'object' && value !== null && isDefinedCodec(value as BuiltinCodec)) {
        found.push({ file: name, codec: value as BuiltinCodec });
      }
    }
  }
  return found;
}

test('every codec a file in src/codecs/builtin defines is listed in the index', async () => {
  assert.ok(modules.length > builtinCodecs.length, 'the folder was read');
  const registered = new Set(builtinCodecs);
  const defined = await definedCodecs();
  for (const { file, codec } of defined) {
    assert.ok(registered.has(codec), `${file} defines codec ${codec.id}, which is not listed in src/codecs/builtin/catalogue.ts`);
  }
  // catalogue.ts re-exports each codec, so each is found in its own file and in the list.
  assert.equal([...new Set(defined.map((d) => d.codec.id))].sort(), builtinCodecs.map((c) => c.id).sort());
});

test('each codec lives in a file named after its id', async () => {
  const defined = await definedCodecs();
  for (const codec of builtinCodecs) {
    const files = defined.filter((d) => d.codec === codec && d.file !== `catalogue${ext}`).map((d) => d.file);
    assert.equal(files, [`${codec.id}${ext}`], `${codec.id} is defined in ${codec.id}${ext}`);
    assert.ok(existsSync(builtinCodecFile(codec.id)));
    assert.is(basename(builtinCodecFile(codec.id)), `${codec.id}${ext}`);
  }
});

test('the index refuses a codec object not made by defineCodec, and a bad device class', () => {
  const good = builtinCodecs[0];
  assert.throws(() => validateCatalogue([{ ...good, id: 'copied' }]), /copied: not made by defineCodec/);
  const made = defineCodec({
    id: 'no-class', vendor: 'Test', model: 'X', category: 'other', deviceClass: 'D' as 'A', fPorts: [1],
    description: 'A codec with a device class LoRaWAN does not have.', decode: () => ({}),
  });
  assert.throws(() => validateCatalogue([made]), /no-class: deviceClass must be one of A, B, C/);
});

test("each codec's examples pass through the dispatch the daemon and `lora-edge decode` use", async () => {
  let ran = 0;
  for (const c of builtinCodecs) {
    const codec = await builtinDeviceCodec(c.id);
    for (const example of c.examples ?? []) {
      const outcome = codec.decode({ bytes: example.input.bytes, fPort: example.input.fPort, recvTime: new Date(0) });
      const errors = example.output.errors ?? [];
      assert.equal(
        outcome,
        { data: errors.length > 0 ? null : (example.output.data ?? null), warnings: example.output.warnings ?? [], errors },
        `${c.id}: ${example.description}`,
      );
      ran += 1;
    }
  }
  assert.is(ran, 3);
});

test.run();
