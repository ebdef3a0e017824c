// JavaScript evaluated in each QuickJS context before the codec: en-US `toLocale*String` for Date and
// Number. The QuickJS build has no Intl, so its own versions zero-pad ("01/16/2020, 03:23:30 PM")
// where Node prints "1/16/2020, 3:23:30 PM"; vendor codecs put these strings in their output, so
// the sandbox must print what Node prints. The locale argument is ignored (always en-US, Node's
// default); the options honoured are listed in docs/codec-sandbox.md. Local time is the sandbox's
// own, which QuickJS takes from the host process (the TZ the daemon runs with), as Node does.

export const LOCALE_FILE_NAME = 'sandbox-locale.js';

export const LOCALE_SOURCE = String.raw`(function () {
  'use strict';
  var DateProto = Date.prototype;
  var NumberProto = Number.prototype;
  var apply = Reflect.apply;
  var defineProperty = Object.defineProperty;
  var StringCtor = String;
  var getTime = DateProto.getTime;
  var local = [DateProto.getFullYear, DateProto.getMonth, DateProto.getDate, DateProto.getHours, DateProto.getMinutes, DateProto.getSeconds];
  var utc = [DateProto.getUTCFullYear, DateProto.getUTCMonth, DateProto.getUTCDate, DateProto.getUTCHours, DateProto.getUTCMinutes, DateProto.getUTCSeconds];
  var numberValueOf = NumberProto.valueOf;
  var toExponential = NumberProto.toExponential;
  var stringSlice = String.prototype.slice;
  var stringIndexOf = String.prototype.indexOf;
  var stringToUpperCase = String.prototype.toUpperCase;
  var UTC_NAMES = { 'UTC': 1, 'ETC/UTC': 1, 'GMT': 1, 'ETC/GMT': 1, 'ETC/UCT': 1, 'UCT': 1, 'ZULU': 1, 'ETC/ZULU': 1 };

  function optionsOf(options) {
    return options !== null && typeof options === 'object' ? options : undefined;
  }

  // Only UTC can be computed without a time-zone database; another zone would silently give
  // wrong times, so it is refused with a message naming the zone.
  function usesUtc(options) {
    if (options === undefined || options.timeZone === undefined) return false;
    var zone = StringCtor(options.timeZone);
    if (UTC_NAMES[apply(stringToUpperCase, zone, [])] === 1) return true;
    throw new RangeError('time zone ' + zone + ' is not available in the codec sandbox (only UTC and the gateway local time are)');
  }

  function fields(date, options) {
    var getters = usesUtc(options) ? utc : local;
    var out = [];
    for (var i = 0; i < 6; i++) out[i] = apply(getters[i], date, []);
    return out;
  }

  function pad2(n) {
    return n < 10 ? '0' + n : StringCtor(n);
  }

  function datePart(f) {
    // Years before 1 are shown as the era year (1 BC is year 0), as ICU does.
    var year = f[0] > 0 ? f[0] : 1 - f[0];
    return (f[1] + 1) + '/' + f[2] + '/' + year;
  }

  function timePart(f, options) {
    var hours = f[3];
    if (options !== undefined && options.hour12 === false) {
      // Node's en-US with hour12: false uses the h24 cycle: midnight is 24:00:00.
      return pad2(hours === 0 ? 24 : hours) + ':' + pad2(f[4]) + ':' + pad2(f[5]);
    }
    var h12 = hours % 12 === 0 ? 12 : hours % 12;
    return h12 + ':' + pad2(f[4]) + ':' + pad2(f[5]) + (hours < 12 ? ' AM' : ' PM');
  }

  function checkedDate(date) {
    var time = apply(getTime, date, []);
    return time !== time ? undefined : date;
  }

  function install(proto, name, fn) {
    defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }

  install(DateProto, 'toLocaleString', function toLocaleString(locales, options) {
    if (checkedDate(this) === undefined) return 'Invalid Date';
    var opts = optionsOf(options);
    var f = fields(this, opts);
    return datePart(f) + ', ' + timePart(f, opts);
  });
  install(DateProto, 'toLocaleDateString', function toLocaleDateString(locales, options) {
    if (checkedDate(this) === undefined) return 'Invalid Date';
    return datePart(fields(this, optionsOf(options)));
  });
  install(DateProto, 'toLocaleTimeString', function toLocaleTimeString(locales, options) {
    if (checkedDate(this) === undefined) return 'Invalid Date';
    var opts = optionsOf(options);
    return timePart(fields(this, opts), opts);
  });

  function digitsOption(value, fallback, name) {
    if (value === undefined) return fallback;
    var n = +value;
    if (n !== n || n < 0 || n > 100) throw new RangeError(name + ' value is out of range.');
    return n - (n % 1);
  }

  function group(intText) {
    var out = '';
    var n = intText.length;
    for (var i = 0; i < n; i++) {
      if (i > 0 && (n - i) % 3 === 0) out += ',';
      out += intText[i];
    }
    return out;
  }

  // [integer digits, fraction digits] of a non-negative finite number rounded to at most maxDigits
  // fraction digits. Like ICU, this rounds the shortest decimal form of the number (what String()
  // prints), half away from zero: 1.0005 gives 1.001, where toFixed, working on the binary value
  // 1.000499..., gives 1.000.
  function roundedParts(abs, maxDigits) {
    var exp = apply(toExponential, abs, []);
    var e = apply(stringIndexOf, exp, ['e']);
    var mantissa = apply(stringSlice, exp, [0, e]);
    var digits = mantissa[0] + apply(stringSlice, mantissa, [2]);
    var point = +apply(stringSlice, exp, [e + 1]) + 1;
    while (point < 0) { digits = '0' + digits; point++; }
    while (digits.length < point) digits += '0';
    var intText = apply(stringSlice, digits, [0, point]);
    var fraction = apply(stringSlice, digits, [point]);
    if (fraction.length > maxDigits) {
      var up = fraction[maxDigits] >= '5';
      fraction = apply(stringSlice, fraction, [0, maxDigits]);
      if (up) {
        var all = intText + fraction;
        var out = '';
        var carry = 1;
        for (var i = all.length - 1; i >= 0; i--) {
          var d = +all[i] + carry;
          carry = d === 10 ? 1 : 0;
          out = (d === 10 ? '0' : StringCtor(d)) + out;
        }
        if (carry === 1) out = '1' + out;
        var intLength = out.length - fraction.length;
        intText = apply(stringSlice, out, [0, intLength]);
        fraction = apply(stringSlice, out, [intLength]);
      }
    }
    return [intText === '' ? '0' : intText, fraction];
  }

  install(NumberProto, 'toLocaleString', function toLocaleString(locales, options) {
    var x = apply(numberValueOf, this, []);
    var opts = optionsOf(options);
    var minDigits = digitsOption(opts && opts.minimumFractionDigits, 0, 'minimumFractionDigits');
    var maxDigits = digitsOption(opts && opts.maximumFractionDigits, minDigits > 3 ? minDigits : 3, 'maximumFractionDigits');
    if (maxDigits < minDigits) throw new RangeError('maximumFractionDigits value is out of range.');
    if (x !== x) return 'NaN';
    var negative = x < 0 || (x === 0 && 1 / x < 0);
    var abs = negative ? -x : x;
    var sign = negative ? '-' : '';
    if (abs === Infinity) return sign + '\u221e';
    var parts = roundedParts(abs, maxDigits);
    var intText = parts[0];
    var fraction = parts[1];
    var keep = fraction.length;
    while (keep > minDigits && fraction[keep - 1] === '0') keep--;
    fraction = apply(stringSlice, fraction, [0, keep]);
    while (fraction.length < minDigits) fraction += '0';
    var grouped = opts !== undefined && opts.useGrouping === false ? intText : group(intText);
    return sign + grouped + (fraction.length > 0 ? '.' + fraction : '');
  });
})();`;
