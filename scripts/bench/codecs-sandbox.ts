// Cost of running a user codec in the QuickJS sandbox, through the public API (host -> worker
// thread -> QuickJS and back), plus the in-thread figures behind the choice of one reused context
// per codec instead of a fresh context per call (docs/codec-sandbox.md).
// Run: node --import tsx scripts/bench/codecs-sandbox.ts
import { pathToFileURL } from 'node:url';
import { newQuickJSWASMModuleFromVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import variantModule from '@jitl/quickjs-wasmfile-release-sync';
import { loadUserCodecFromSource } from '../../src/codecs/sandbox/index.js';
import type { UplinkInput } from '../../src/codecs/contract.js';
import { summaryLine } from './summary-line.js';

/** A typical small TS013 codec: helpers, closures over constants, Math, a warning path. */
export const BENCH_CODEC = `
var SCALE = { temperature: 100, battery: 1000 };
function int16(b, i) { var v = (b[i] << 8) | b[i + 1]; return v > 0x7fff ? v - 0x10000 : v; }
function uint16(b, i) { return (b[i] << 8) | b[i + 1]; }
function round(v, d) { var f = Math.pow(10, d); return Math.round(v * f) / f; }
function decodeUplink(input) {
  var b = input.bytes;
  if (input.fPort !== 1) return { errors: ['unknown fPort ' + input.fPort] };
  if (b.length < 8) return { errors: ['payload too short: ' + b.length + ' bytes'] };
  var warnings = [];
  var data = {
    temperature: round(int16(b, 1) / SCALE.temperature, 2),
    humidity: b[3] / 2,
    battery: round(uint16(b, 4) / SCALE.battery, 3),
    counter: uint16(b, 6),
    alarm: (b[0] & 0x02) !== 0,
    time: input.recvTime.toISOString()
  };
  if (b[0] & 0x01) warnings.push('battery low');
  return { data: data, warnings: warnings };
}`;

const INPUT: UplinkInput = {
  bytes: [0x01, 0x09, 0xc4, 0x64, 0x0b, 0xb8, 0x00, 0x2a],
  fPort: 1,
  recvTime: new Date('2024-05-01T10:00:00Z'),
  variables: { site: 'bench' },
};

export interface SandboxBench {
  decodesPerSec: number;
  usPerCall: number;
  /** Loading a codec into an already running sandbox worker. */
  loadMs: number;
  /** First load of the process: starts the worker and compiles QuickJS. */
  coldLoadMs: number;
}

export async function benchSandbox(durationMs = 1000): Promise<SandboxBench> {
  let start = performance.now();
  const first = await loadUserCodecFromSource(BENCH_CODEC, 'bench-cold');
  const coldLoadMs = performance.now() - start;
  start = performance.now();
  const codec = await loadUserCodecFromSource(BENCH_CODEC, 'bench');
  const loadMs = performance.now() - start;
  first.dispose();
  try {
    const check = codec.decodeUplink(INPUT);
    if (check.errors.length > 0 || check.data?.temperature !== 25) throw new Error(`bench codec failed: ${JSON.stringify(check)}`);
    for (let i = 0; i < 2000; i++) codec.decodeUplink(INPUT);
    let count = 0;
    start = performance.now();
    let elapsed = 0;
    while (elapsed < durationMs) {
      for (let i = 0; i < 200; i++) codec.decodeUplink(INPUT);
      count += 200;
      elapsed = performance.now() - start;
    }
    const usPerCall = (elapsed * 1000) / count;
    return { decodesPerSec: Math.round(1e6 / usPerCall), usPerCall: round1(usPerCall), loadMs: round1(loadMs), coldLoadMs: round1(coldLoadMs) };
  } finally {
    codec.dispose();
  }
}

export interface ContextStrategyBench {
  /** New runtime + context + evaluating the codec for every call (ChirpStack's way). */
  freshRuntimeUsPerCall: number;
  /** One runtime per codec, new context + evaluation per call. */
  freshContextUsPerCall: number;
  /** One context per codec, reused (what the sandbox does). */
  reusedContextUsPerCall: number;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function timePerCall(durationMs: number, fn: () => void): number {
  for (let i = 0; i < 50; i++) fn();
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    fn();
    count += 1;
    elapsed = performance.now() - start;
  }
  return round1((elapsed * 1000) / count);
}

/** In-thread QuickJS only (no worker, no output checks): isolates what context reuse saves. */
export async function benchContextStrategies(durationMs = 500): Promise<ContextStrategyBench> {
  const exports = variantModule as unknown as QuickJSSyncVariant & { default?: QuickJSSyncVariant };
  const qjs: QuickJSWASMModule = await newQuickJSWASMModuleFromVariant(exports.default ?? exports);
  const call = `JSON.stringify(decodeUplink({ bytes: ${JSON.stringify(INPUT.bytes)}, fPort: 1, recvTime: new Date(0) }))`;
  const runIn = (ctx: ReturnType<QuickJSWASMModule['newContext']>): void => {
    ctx.unwrapResult(ctx.evalCode(call)).dispose();
  };
  const freshRuntimeUsPerCall = timePerCall(durationMs, () => {
    const rt = qjs.newRuntime();
    const ctx = rt.newContext();
    ctx.unwrapResult(ctx.evalCode(BENCH_CODEC)).dispose();
    runIn(ctx);
    ctx.dispose();
    rt.dispose();
  });
  const rt = qjs.newRuntime();
  const freshContextUsPerCall = timePerCall(durationMs, () => {
    const ctx = rt.newContext();
    ctx.unwrapResult(ctx.evalCode(BENCH_CODEC)).dispose();
    runIn(ctx);
    ctx.dispose();
  });
  const ctx = rt.newContext();
  ctx.unwrapResult(ctx.evalCode(BENCH_CODEC)).dispose();
  const reusedContextUsPerCall = timePerCall(durationMs, () => runIn(ctx));
  ctx.dispose();
  rt.dispose();
  return { freshRuntimeUsPerCall, freshContextUsPerCall, reusedContextUsPerCall };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sandbox = await benchSandbox();
  console.log('user codec through the sandbox (20-line TS013 codec):');
  console.log(`  decodes/s     ${sandbox.decodesPerSec.toLocaleString('en-US')}`);
  console.log(`  us per call   ${sandbox.usPerCall}`);
  console.log(`  load ms       ${sandbox.loadMs} (first load incl. worker start: ${sandbox.coldLoadMs})`);
  const strategies = await benchContextStrategies();
  console.log('QuickJS in-thread, per call:');
  console.log(`  fresh runtime+context   ${strategies.freshRuntimeUsPerCall} us`);
  console.log(`  fresh context           ${strategies.freshContextUsPerCall} us`);
  console.log(`  reused context          ${strategies.reusedContextUsPerCall} us`);
  console.log(
    summaryLine('codecs-sandbox', {
      decodes_per_s: sandbox.decodesPerSec, us_per_call: sandbox.usPerCall, load_ms: sandbox.loadMs, cold_load_ms: sandbox.coldLoadMs,
      fresh_runtime_us: strategies.freshRuntimeUsPerCall, fresh_context_us: strategies.freshContextUsPerCall, reused_context_us: strategies.reusedContextUsPerCall,
    }),
  );
}
