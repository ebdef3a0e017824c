// JavaScript evaluated inside each QuickJS context before the user's codec. It captures the
// built-ins it needs first, so a codec that later replaces JSON, Reflect or Object methods cannot
// change how its input is built or its result is checked. Its checks give readable messages; a
// codec that tampers with built-in prototypes can at most garble its own result, which the host
// checks again (outcome.ts) because nothing produced inside the sandbox is trusted.
//
// The prelude evaluates to makeRunner(entries, takeConsole) -> run(entryIndex, inputJson) -> string,
// where the string is '=' + result JSON, '!' + a description of why the result is not valid
// output, or '>' + the serialized length when it is over the output limit (not copied out of the
// sandbox). When the codec logged, '~' + console JSON + newline comes first (JSON text never holds
// a raw newline). Exceptions thrown by the codec propagate unchanged; the host then asks
// takeConsole itself for what was logged before the throw.

import { MAX_MESSAGE_CHARS, MAX_OUTPUT_BYTES, MAX_OUTPUT_DEPTH } from './limits.js';

export const PRELUDE_FILE_NAME = 'sandbox-prelude.js';
export const ENTRY_LOOKUP_FILE_NAME = 'sandbox-entries.js';

const PRELUDE_TEMPLATE = String.raw`(function () {
  'use strict';
  var JSON_parse = JSON.parse;
  var JSON_stringify = JSON.stringify;
  var isArray = Array.isArray;
  var objectKeys = Object.keys;
  var objectCreate = Object.create;
  var getPrototypeOf = Object.getPrototypeOf;
  var ObjectPrototype = Object.prototype;
  var apply = Reflect.apply;
  var isView = ArrayBuffer.isView;
  var isFiniteNumber = Number.isFinite;
  var isInteger = Number.isInteger;
  var DateCtor = Date;
  var dateGetTime = Date.prototype.getTime;
  var dateToISOString = Date.prototype.toISOString;
  var objectToString = Object.prototype.toString;
  var stringSlice = String.prototype.slice;
  var StringCtor = String;
  var MAX_DEPTH = __MAX_DEPTH__;
  var MAX_MESSAGE = __MAX_MESSAGE__;
  var MAX_ELEMENTS = __MAX_ELEMENTS__;
  var MAX_OUTPUT = __MAX_OUTPUT__;

  function Problem(message) { this.message = message; }

  function tagOf(value) {
    return apply(stringSlice, apply(objectToString, value, []), [8, -1]);
  }

  function describe(value) {
    if (value === null) return 'null';
    if (value === undefined) return 'undefined';
    if (isArray(value)) return 'an array';
    var type = typeof value;
    if (type === 'object') {
      var tag = tagOf(value);
      return tag === 'Object' ? 'an object' : 'a ' + tag;
    }
    return 'a ' + type;
  }

  function checkLength(value, trail) {
    var n = value.length;
    if (typeof n !== 'number' || n > MAX_ELEMENTS) {
      throw new Problem(pathOf(trail) + ' has ' + StringCtor(n) + ' elements, too many for the output limit');
    }
    return n;
  }

  // Copies a result into fresh null-prototype objects and arrays. The trail array holds the keys from the
  // root; the readable path is only built when something is wrong.
  function pathOf(trail) {
    var text = '';
    for (var i = 0; i < trail.length; i++) {
      var key = trail[i];
      text += typeof key === 'number' ? '[' + key + ']' : (i === 0 ? key : '.' + key);
    }
    return text;
  }

  function toPlain(value, trail, ancestors) {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (!isFiniteNumber(value)) throw new Problem(pathOf(trail) + ' is ' + StringCtor(value) + ', which JSON cannot carry');
        return value;
      case 'undefined':
        return undefined;
      case 'function':
        throw new Problem(pathOf(trail) + ' is a function, which JSON cannot carry');
      case 'symbol':
        throw new Problem(pathOf(trail) + ' is a symbol, which JSON cannot carry');
      case 'bigint':
        throw new Problem(pathOf(trail) + ' is a BigInt, which JSON cannot carry (convert it to a number or string)');
    }
    if (value === null) return null;
    if (ancestors.length >= MAX_DEPTH) throw new Problem(pathOf(trail) + ' is nested more than ' + MAX_DEPTH + ' levels deep');
    for (var a = 0; a < ancestors.length; a++) {
      if (ancestors[a] === value) throw new Problem(pathOf(trail) + ' is a circular reference');
    }
    var list = isArray(value);
    if (!list && getPrototypeOf(value) !== ObjectPrototype) {
      var tag = tagOf(value);
      if (tag === 'Date') {
        var time = apply(dateGetTime, value, []);
        if (time !== time) throw new Problem(pathOf(trail) + ' is an invalid Date');
        return apply(dateToISOString, value, []);
      }
      if (tag === 'Promise') throw new Problem(pathOf(trail) + ' is a Promise; codecs must return their result synchronously');
      list = isView(value) && tag !== 'DataView';
      if (!list && tag !== 'Object' && tag !== 'Arguments') {
        throw new Problem(pathOf(trail) + ' is a ' + tag + ', which JSON cannot carry');
      }
    }
    ancestors[ancestors.length] = value;
    var out, i, item, depth = trail.length;
    if (list) {
      out = [];
      var n = checkLength(value, trail);
      for (i = 0; i < n; i++) {
        trail[depth] = i;
        item = toPlain(value[i], trail, ancestors);
        out[i] = item === undefined ? null : item;
      }
    } else {
      out = objectCreate(null);
      var keys = objectKeys(value);
      checkLength(keys, trail);
      for (i = 0; i < keys.length; i++) {
        var key = keys[i];
        trail[depth] = key;
        item = toPlain(value[key], trail, ancestors);
        if (item !== undefined) out[key] = item;
      }
    }
    trail.length = depth;
    ancestors.length = ancestors.length - 1;
    return out;
  }

  function toMessages(value, name) {
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') value = [value];
    if (!isArray(value)) throw new Problem(name + ' must be an array of strings, got ' + describe(value));
    var n = checkLength(value, [name]);
    var out = [];
    for (var i = 0; i < n; i++) {
      var entry = value[i];
      var text;
      if (typeof entry === 'string') text = entry;
      else if (typeof entry === 'number' || typeof entry === 'boolean') text = StringCtor(entry);
      else if (entry !== null && typeof entry === 'object' && typeof entry.message === 'string') text = entry.message;
      else throw new Problem(name + '[' + i + '] is ' + describe(entry) + ', not a string');
      out[i] = text.length > MAX_MESSAGE ? apply(stringSlice, text, [0, MAX_MESSAGE]) + '...' : text;
    }
    return out;
  }

  function toBytes(value, path) {
    if (!isArray(value) && !(isView(value) && tagOf(value) !== 'DataView')) {
      throw new Problem(path + ' must be an array of byte values, got ' + describe(value));
    }
    var n = checkLength(value, [path]);
    var out = [];
    for (var i = 0; i < n; i++) {
      var b = value[i];
      if (typeof b !== 'number' || !isInteger(b) || b < 0 || b > 255) {
        throw new Problem(path + '[' + i + '] is ' + (typeof b === 'number' ? StringCtor(b) : describe(b)) + ', not a byte (0-255)');
      }
      out[i] = b;
    }
    return out;
  }

  function requireObject(raw, what) {
    if (raw === null || typeof raw !== 'object' || isArray(raw)) {
      throw new Problem(what + ' returned ' + describe(raw) + ' instead of an object');
    }
    if (tagOf(raw) === 'Promise') {
      throw new Problem(what + ' returned a Promise; codecs must return their result synchronously');
    }
  }

  function shapeDecode(raw, fnName) {
    requireObject(raw, fnName);
    var out = objectCreate(null);
    var data = raw.data;
    if (data !== undefined && data !== null) {
      if (typeof data !== 'object' || isArray(data)) throw new Problem('data must be an object, got ' + describe(data));
      out.data = toPlain(data, ['data'], []);
    }
    out.warnings = toMessages(raw.warnings, 'warnings');
    out.errors = toMessages(raw.errors, 'errors');
    return out;
  }

  // ChirpStack v3 stores null, without an error, when Decode returns nothing (codecs do this for
  // status frames and ports they ignore); TTN v2 Decoder returns are treated the same way.
  function shapeLegacyDecode(raw, fnName) {
    var out = objectCreate(null);
    if (raw === undefined || raw === null) {
      out.data = null;
    } else {
      requireObject(raw, fnName);
      out.data = toPlain(raw, ['data'], []);
    }
    out.warnings = [];
    out.errors = [];
    return out;
  }

  // TTN v2: Decoder(bytes, port), then Converter(decoded, port) and Validator(converted, port) when
  // the file defines them. A Validator that returns false rejects the uplink (TTN v2 dropped it).
  function runTtnV2(decoder, converter, validator, bytes, fPort) {
    var decoded = apply(decoder, undefined, [bytes, fPort]);
    var step = 'Decoder';
    if (converter) {
      decoded = apply(converter, undefined, [decoded, fPort]);
      step = 'Converter';
    }
    if (validator && !apply(validator, undefined, [decoded, fPort])) {
      var rejected = objectCreate(null);
      rejected.data = null;
      rejected.warnings = [];
      rejected.errors = ['Validator rejected the payload'];
      return rejected;
    }
    return shapeLegacyDecode(decoded, step);
  }

  function shapeEncode(raw) {
    requireObject(raw, 'encodeDownlink');
    var out = objectCreate(null);
    var bytes = raw.bytes;
    if (bytes !== undefined && bytes !== null) out.bytes = toBytes(bytes, 'bytes');
    var fPort = raw.fPort;
    if (fPort !== undefined && fPort !== null) {
      if (typeof fPort !== 'number' || !isInteger(fPort)) throw new Problem('fPort must be an integer, got ' + describe(fPort));
      out.fPort = fPort;
    }
    out.warnings = toMessages(raw.warnings, 'warnings');
    out.errors = toMessages(raw.errors, 'errors');
    return out;
  }

  function shapeLegacyEncode(raw, fPort) {
    var out = objectCreate(null);
    out.bytes = toBytes(raw, 'bytes');
    if (typeof fPort === 'number') out.fPort = fPort;
    out.warnings = [];
    out.errors = [];
    return out;
  }

  function decodeUplinkWith(entries, input) {
    if (entries[0]) return shapeDecode(apply(entries[0], undefined, [input]), 'decodeUplink');
    if (entries[3]) return shapeLegacyDecode(apply(entries[3], undefined, [input.fPort, input.bytes, input.variables]), 'Decode');
    return runTtnV2(entries[5], entries[6], entries[7], input.bytes, input.fPort);
  }

  function encodeDownlinkWith(entries, input) {
    if (entries[1]) return shapeEncode(apply(entries[1], undefined, [input]));
    if (entries[4]) return shapeLegacyEncode(apply(entries[4], undefined, [input.fPort, input.data, input.variables]), input.fPort);
    return shapeLegacyEncode(apply(entries[8], undefined, [input.data, input.fPort]), input.fPort);
  }

  return function makeRunner(entries, takeConsole) {
    // A copy, so the array the lookup built cannot be changed afterwards.
    var fns = [];
    for (var i = 0; i < 9; i++) fns[i] = entries[i];
    return function run(entry, inputJson) {
      var input = JSON_parse(inputJson);
      var result;
      try {
        var shaped;
        if (entry === 0) {
          input.recvTime = new DateCtor(input.recvTime);
          shaped = decodeUplinkWith(fns, input);
        } else if (entry === 1) {
          shaped = encodeDownlinkWith(fns, input);
        } else {
          if (input.recvTime !== undefined) input.recvTime = new DateCtor(input.recvTime);
          shaped = shapeDecode(apply(fns[2], undefined, [input]), 'decodeDownlink');
        }
        var json = JSON_stringify(shaped);
        // UTF-8 never has fewer bytes than UTF-16 units, so this only rejects what the host would.
        result = json.length > MAX_OUTPUT ? '>' + json.length + ' characters' : '=' + json;
      } catch (e) {
        if (!(e instanceof Problem)) throw e;
        result = '!' + e.message;
      }
      var logged = takeConsole();
      return logged === '' ? result : '~' + logged + '\n' + result;
    };
  };
})()`;

export const PRELUDE_SOURCE = PRELUDE_TEMPLATE.replace('__MAX_DEPTH__', String(MAX_OUTPUT_DEPTH))
  .replace('__MAX_MESSAGE__', String(MAX_MESSAGE_CHARS))
  .replace('__MAX_ELEMENTS__', String(MAX_OUTPUT_BYTES / 2))
  .replace('__MAX_OUTPUT__', String(MAX_OUTPUT_BYTES));

/**
 * Evaluated after the codec: the entry points in runner order. `typeof` keeps an undeclared name
 * from throwing, and also sees `const`/`let` declarations, which are not globalThis properties.
 */
const ENTRY_NAMES = ['decodeUplink', 'encodeDownlink', 'decodeDownlink', 'Decode', 'Encode', 'Decoder', 'Converter', 'Validator', 'Encoder'] as const;

export const ENTRY_LOOKUP_SOURCE = `[${ENTRY_NAMES.map((name) => `typeof ${name} === 'function' ? ${name} : undefined`).join(', ')}]`;

/** Indexes into the ENTRY_LOOKUP_SOURCE array (the runner reads the same positions). */
export const ENTRY_SLOT = Object.fromEntries(ENTRY_NAMES.map((name, i) => [name, i])) as Readonly<Record<(typeof ENTRY_NAMES)[number], number>>;
