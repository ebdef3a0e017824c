// Default limits of the user-codec sandbox. Measured choices are explained in docs/codec-sandbox.md.

export const DEFAULT_TIME_LIMIT_MS = 50;
export const DEFAULT_MEMORY_LIMIT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_QUARANTINE_AFTER = 5;

/**
 * Every QuickJS WebAssembly instance starts with 16 MiB of linear memory (static data, a 5 MiB C
 * stack, the runtime); the module cannot be instantiated with less. A codec's memory limit is
 * added on top of this base, and WebAssembly refuses to grow the memory further.
 */
export const WASM_BASE_BYTES = 16 * 1024 * 1024;
export const WASM_PAGE_BYTES = 64 * 1024;

/** Largest codec file accepted (bytes on disk). */
export const MAX_SOURCE_BYTES = 256 * 1024;
/** Largest serialized result a codec may return (UTF-8 bytes). */
export const MAX_OUTPUT_BYTES = 64 * 1024;
/** Deepest nesting of objects/arrays accepted in a codec result. */
export const MAX_OUTPUT_DEPTH = 32;
/** Longest error/warning text kept from a codec (characters); also the longest console line. */
export const MAX_MESSAGE_CHARS = 500;
/** Console lines kept from one call; the rest are counted and reported as dropped. */
export const MAX_CONSOLE_LINES_PER_CALL = 20;

/**
 * QuickJS stack limit. QuickJS measures only its own (linear-memory) stack; the WebAssembly frames
 * also use the host thread's native stack, about 20x more for parser-heavy paths. 256 KiB with a
 * 16 MiB worker stack keeps a 4x margin (measured), and still allows ~1,300 levels of JS recursion.
 */
export const QUICKJS_STACK_BYTES = 256 * 1024;
export const WORKER_STACK_MB = 16;
/** The worker's own V8 heap (WebAssembly memory is outside it). */
export const WORKER_HEAP_MB = 64;

/** Top-level code of a codec may build tables; it gets more time than one call. */
export function loadTimeLimitMs(timeLimitMs: number): number {
  return Math.max(4 * timeLimitMs, 200);
}

/**
 * The in-sandbox interrupt enforces the time limit while bytecode runs; some native built-ins run
 * for seconds without checking it, so the host stops waiting after this much longer deadline and
 * restarts the sandbox worker. It is generous because a restart costs every codec a reload, and a
 * busy gateway can delay the worker thread by far more than a codec's time limit.
 */
export function watchdogMs(timeLimitMs: number): number {
  return 5 * timeLimitMs + 250;
}

/** How long a (re)started sandbox worker may take to become ready. */
export const WORKER_START_TIMEOUT_MS = 15_000;
