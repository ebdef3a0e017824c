// Turns what a codec threw (as dumped out of QuickJS) into a failure with a readable message.
// Pure: the worker passes in the dumped value and whether the call's deadline had passed.

import type { FailurePayload } from './protocol.js';
import { MAX_MESSAGE_CHARS } from './limits.js';

export interface ThrownInfo {
  /** Error class name, when an Error object was thrown. */
  name?: string;
  message: string;
  /** 1-based line in the codec file, when the stack or a SyntaxError names one. */
  line?: number;
}

export interface CallLimits {
  timeLimitMs: number;
  memoryLimitBytes: number;
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? text.slice(0, MAX_MESSAGE_CHARS) + '...' : text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds the first line number the stack attributes to the codec file itself. */
export function lineInStack(stack: string, fileName: string): number | undefined {
  const match = new RegExp(`${escapeRegExp(fileName)}:(\\d+)`).exec(stack);
  return match ? Number(match[1]) : undefined;
}

export function describeThrown(dumped: unknown, fileName: string): ThrownInfo {
  if (dumped !== null && typeof dumped === 'object' && !Array.isArray(dumped)) {
    const fields = dumped as Record<string, unknown>;
    const info: ThrownInfo = {
      message: clip(typeof fields.message === 'string' ? fields.message : safeJson(dumped)),
    };
    if (typeof fields.name === 'string') info.name = clip(fields.name);
    const line =
      typeof fields.stack === 'string'
        ? lineInStack(fields.stack, fileName)
        : undefined;
    if (line !== undefined) info.line = line;
    else if (typeof fields.lineNumber === 'number' && fields.fileName === fileName) info.line = fields.lineNumber;
    return info;
  }
  return { message: clip(typeof dumped === 'string' ? dumped : safeJson(dumped)) };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? String(mib) : mib.toFixed(1);
}

/** Classifies a failed codec call. Limit errors are QuickJS InternalErrors with fixed messages. */
export function classifyThrown(
  info: ThrownInfo,
  deadlinePassed: boolean,
  limits: CallLimits,
  fileName: string,
): FailurePayload {
  if (info.name === 'InternalError' || info.name === undefined) {
    if (info.message === 'interrupted' && deadlinePassed) {
      return { reason: 'timeout', message: `codec exceeded its ${limits.timeLimitMs} ms time limit` };
    }
    if (info.message === 'out of memory') {
      return { reason: 'memory', message: `codec exceeded its ${formatMiB(limits.memoryLimitBytes)} MiB memory limit` };
    }
  }
  // The parser reports its own overflow (deeply nested eval'd code) as a SyntaxError.
  if (info.message === 'stack overflow' && ['InternalError', 'SyntaxError', 'RangeError', undefined].includes(info.name)) {
    return { reason: 'stack', message: 'codec exceeded the sandbox stack limit (recursion or nesting too deep)' };
  }
  const where = info.line !== undefined ? ` (${fileName} line ${info.line})` : '';
  const what = info.name !== undefined ? `${info.name}: ${info.message}` : `a non-Error value: ${info.message}`;
  return { reason: 'exception', message: `codec threw ${what}${where}` };
}
