// JavaScript evaluated in each QuickJS context before the codec: a `console` whose lines are kept
// inside the sandbox and handed to the host with the call's result. Vendor codecs log on frames
// they find odd; without a console they would throw instead. Lines are formatted here, like Node's
// util.format but smaller, and capped per call so a codec that logs in a loop costs little.
//
// The source evaluates to takeConsole() -> '' when nothing was logged, else the JSON of
// [[level, text], ...] (levels: log, info, warn, error, debug), which empties the buffer.

import { MAX_CONSOLE_LINES_PER_CALL, MAX_MESSAGE_CHARS } from './limits.js';

export const CONSOLE_FILE_NAME = 'sandbox-console.js';

const CONSOLE_TEMPLATE = String.raw`(function () {
  'use strict';
  var JSON_stringify = JSON.stringify;
  var apply = Reflect.apply;
  var isArray = Array.isArray;
  var objectKeys = Object.keys;
  var objectToString = Object.prototype.toString;
  var stringSlice = String.prototype.slice;
  var stringCharAt = String.prototype.charAt;
  var dateToISOString = Date.prototype.toISOString;
  var dateGetTime = Date.prototype.getTime;
  var StringCtor = String;
  var MAX_LINES = __MAX_LINES__;
  var MAX_TEXT = __MAX_TEXT__;
  var MAX_DEPTH = 3;
  var MAX_ITEMS = 30;
  var lines = [];
  var dropped = 0;

  function tagOf(value) {
    return apply(stringSlice, apply(objectToString, value, []), [8, -1]);
  }

  // Single quotes, as Node's inspect prints strings inside objects.
  function quote(text) {
    var inner = JSON_stringify(text);
    return "'" + apply(stringSlice, inner, [1, -1]).split('\\"').join('"').split("'").join("\\'") + "'";
  }

  // Never throws: getters, proxies and exotic objects inside a logged value must not turn a log
  // line into a codec failure.
  function inspect(value, depth, seen) {
    try {
      return inspectUnsafe(value, depth, seen);
    } catch (e) {
      return '[uninspectable]';
    }
  }

  function inspectUnsafe(value, depth, seen) {
    switch (typeof value) {
      case 'string':
        return depth === 0 ? value : quote(value);
      case 'number':
        return value === 0 && 1 / value < 0 ? '-0' : StringCtor(value);
      case 'boolean':
      case 'undefined':
        return StringCtor(value);
      case 'bigint':
        return StringCtor(value) + 'n';
      case 'symbol':
        return apply(Symbol.prototype.toString, value, []);
      case 'function':
        return '[Function: ' + (value.name || '(anonymous)') + ']';
    }
    if (value === null) return 'null';
    for (var s = 0; s < seen.length; s++) if (seen[s] === value) return '[Circular]';
    var tag = tagOf(value);
    if (tag === 'Date') {
      return apply(dateGetTime, value, []) === apply(dateGetTime, value, []) ? apply(dateToISOString, value, []) : 'Invalid Date';
    }
    if (tag === 'Error') return StringCtor(value.stack || value.name + ': ' + value.message);
    if (depth >= MAX_DEPTH) return isArray(value) ? '[Array]' : '[Object]';
    seen[seen.length] = value;
    var parts = [];
    var i;
    if (isArray(value) || ArrayBuffer.isView(value)) {
      var n = value.length;
      for (i = 0; i < n && i < MAX_ITEMS; i++) parts[parts.length] = inspect(value[i], depth + 1, seen);
      if (n > MAX_ITEMS) parts[parts.length] = '... ' + (n - MAX_ITEMS) + ' more items';
      seen.length = seen.length - 1;
      return '[ ' + parts.join(', ') + ' ]';
    }
    var keys = objectKeys(value);
    for (i = 0; i < keys.length && i < MAX_ITEMS; i++) {
      parts[parts.length] = keys[i] + ': ' + inspect(value[keys[i]], depth + 1, seen);
    }
    if (keys.length > MAX_ITEMS) parts[parts.length] = '... ' + (keys.length - MAX_ITEMS) + ' more keys';
    seen.length = seen.length - 1;
    return parts.length === 0 ? '{}' : '{ ' + parts.join(', ') + ' }';
  }

  // Node's util.format: %s %d %i %f %j %o %O %% in a leading string, the rest joined by spaces.
  function format(args) {
    var out = '';
    var next = 0;
    if (typeof args[0] === 'string') {
      var text = args[0];
      next = 1;
      for (var i = 0; i < text.length; i++) {
        var c = apply(stringCharAt, text, [i]);
        if (c !== '%' || i + 1 >= text.length) { out += c; continue; }
        var spec = apply(stringCharAt, text, [i + 1]);
        if (spec === '%') { out += '%'; i++; continue; }
        if ('sdifjoO'.indexOf(spec) < 0 || next >= args.length) { out += c; continue; }
        var arg = args[next++];
        i++;
        if (spec === 's') out += typeof arg === 'string' ? arg : inspect(arg, 1, []);
        else if (spec === 'd' || spec === 'i') out += typeof arg === 'object' ? 'NaN' : StringCtor(spec === 'i' ? parseInt(arg, 10) : +arg);
        else if (spec === 'f') out += StringCtor(parseFloat(arg));
        else if (spec === 'j') { try { out += JSON_stringify(arg); } catch (e) { out += '[Circular]'; } }
        else out += inspect(arg, 1, []);
        if (out.length > MAX_TEXT) break;
      }
    }
    for (; next < args.length && out.length <= MAX_TEXT; next++) {
      out += (out.length > 0 || next > 0 ? ' ' : '') + inspect(args[next], 0, []);
    }
    return out.length > MAX_TEXT ? apply(stringSlice, out, [0, MAX_TEXT]) + '...' : out;
  }

  function writer(level) {
    return function () {
      if (lines.length >= MAX_LINES) { dropped++; return; }
      var args = [];
      for (var i = 0; i < arguments.length; i++) args[i] = arguments[i];
      lines[lines.length] = [level, format(args)];
    };
  }

  globalThis.console = {
    log: writer('log'),
    info: writer('info'),
    warn: writer('warn'),
    error: writer('error'),
    debug: writer('debug'),
    trace: writer('debug'),
  };

  return function takeConsole() {
    if (lines.length === 0) return '';
    if (dropped > 0) lines[lines.length] = ['warn', dropped + ' more console line' + (dropped === 1 ? '' : 's') + ' dropped (at most ' + MAX_LINES + ' per call)'];
    var json = JSON_stringify(lines);
    lines = [];
    dropped = 0;
    return json;
  };
})()`;

export const CONSOLE_SOURCE = CONSOLE_TEMPLATE.replace('__MAX_LINES__', String(MAX_CONSOLE_LINES_PER_CALL)).replace(
  '__MAX_TEXT__',
  String(MAX_MESSAGE_CHARS),
);

export type ConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug';

export interface ConsoleLine {
  level: ConsoleLevel;
  text: string;
}

const LEVELS: ReadonlySet<string> = new Set(['log', 'info', 'warn', 'error', 'debug']);

/**
 * Host-side reading of takeConsole()'s text. The text comes from inside the sandbox, so anything
 * that is not the expected shape is dropped rather than trusted.
 */
export function parseConsoleLines(json: string): ConsoleLine[] {
  if (json === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: ConsoleLine[] = [];
  for (const entry of raw.slice(0, MAX_CONSOLE_LINES_PER_CALL + 1)) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'string' || !LEVELS.has(entry[0])) continue;
    const text = entry[1].length > MAX_MESSAGE_CHARS + 3 ? `${entry[1].slice(0, MAX_MESSAGE_CHARS)}...` : entry[1];
    out.push({ level: entry[0] as ConsoleLevel, text });
  }
  return out;
}
