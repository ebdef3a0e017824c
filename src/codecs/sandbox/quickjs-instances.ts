// Creates QuickJS WebAssembly instances, one per codec. The module is compiled once; each instance
// gets its own linear memory whose maximum is the fixed base plus the codec's limit, which is how
// the memory limit is enforced (QuickJS's own setMemoryLimit is not, under Emscripten).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant } from 'quickjs-emscripten-core';
import variantModule from '@jitl/quickjs-wasmfile-release-sync';
import type { ModuleFactory } from './codec-runtime.js';
import { WASM_BASE_BYTES, WASM_PAGE_BYTES } from './limits.js';

export function createModuleFactory(): ModuleFactory {
  // The package's types describe its CommonJS build (variant under `.default`); the ESM build
  // that Node loads exports the variant itself as default. Accept both shapes.
  const exported = variantModule as unknown as QuickJSSyncVariant & { default?: QuickJSSyncVariant };
  const baseVariant = exported.default ?? exported;
  const wasmPath = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
  const compiled = new WebAssembly.Module(readFileSync(wasmPath));
  const basePages = WASM_BASE_BYTES / WASM_PAGE_BYTES;
  return (limitBytes) => {
    const memory = new WebAssembly.Memory({
      initial: basePages,
      maximum: basePages + Math.ceil(limitBytes / WASM_PAGE_BYTES),
    });
    return newQuickJSWASMModuleFromVariant(newVariant(baseVariant, { wasmModule: compiled, wasmMemory: memory }));
  };
}
