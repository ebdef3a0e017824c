// en-US toLocale*String inside the codec sandbox (QuickJS has no Intl): every expected string is
// what Node itself prints for the same value, in the same time zone. The zone is pinned to one
// with daylight saving time, before any codec loads, so local-time conversion is checked too.
process.env.TZ = 'America/New_York';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadUserCodec, loadUserCodecFromSource, type UserCodec } from '../../../../src/codecs/sandbox/index.js';
import { InlineEngine } from '../../../../src/codecs/sandbox/inline-engine.js';
import { codecFixture } from '../../../fixtures/codecs/paths.js';

const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** What the fixture locale-strings.js must return, computed by Node. */
function nodeExpects(unixSeconds: number, thousandths: number): Record<string, string> {
  const d = new Date(unixSeconds * 1000);
  const n = thousandths / 1000;
  return {
    local: d.toLocaleString(),
    date: d.toLocaleDateString(),
    time: d.toLocaleTimeString(),
    utc: d.toLocaleString('en-US', { timeZone: 'UTC' }),
    h24: d.toLocaleTimeString('en-US', { hour12: false }),
    number: n.toLocaleString(),
    fixed2: n.toLocaleString('en-US', { minimumFractionDigits: 2 }),
  };
}

const CASES: Array<[number, number]> = [
  [Date.UTC(2020, 0, 16, 20, 23, 30) / 1000, 1234567891], // the 3:23:30 PM (winter, UTC-5)
  [Date.UTC(2021, 6, 4, 4, 5, 6) / 1000, -1500], // summer (UTC-4), local midnight hour
  [Date.UTC(2022, 11, 31, 17, 0, 0) / 1000, 5], // noon
  [0, 0],
  [Date.UTC(2024, 2, 10, 7, 30, 0) / 1000, 999999], // just after the spring-forward change
];

for (const [name, engine] of [
  ['worker engine', undefined],
  ['in-process engine', new InlineEngine()],
] as const) {
  const t = suite<{ codec: UserCodec }>(`toLocale*String (${name})`);
  t.before(async (ctx) => {
    ctx.codec = await loadUserCodec(codecFixture('locale-strings.js'), engine ? { engine } : {});
  });
  t.after((ctx) => ctx.codec.dispose());

  t('Date and Number strings equal Node’s en-US output in the local zone and in UTC', ({ codec }) => {
    assert.is(new Date(Date.UTC(2020, 0, 16, 20, 23, 30)).toLocaleString(), '1/16/2020, 3:23:30 PM', 'Node itself, as a sanity check');
    for (const [seconds, n] of CASES) {
      const out = codec.decodeUplink({ bytes: [...be32(seconds), ...be32(n >>> 0)], fPort: 1, recvTime: new Date(0) });
      assert.equal(out, { data: nodeExpects(seconds, n), warnings: [], errors: [] }, `time ${seconds}, number ${n}`);
    }
  });

  t.run();
}

const numbers = suite('Number.prototype.toLocaleString edge cases');

numbers('grouping, rounding to 3 digits, exponents, signs and options match Node', async () => {
  const values = [0, -0, 1, -1, 999, 1000, 1234.5, -1234.5, 0.1 + 0.2, 1.0005, 0.0005, 12345.6789, 1e-7, 1e21, 2 ** 70, 123456789012, NaN, Infinity, -Infinity, -0.0001];
  const options = [undefined, { maximumFractionDigits: 0 }, { maximumFractionDigits: 1 }, { minimumFractionDigits: 2 }, { useGrouping: false }];
  const codec = await loadUserCodecFromSource(
    `var VALUES = ${JSON.stringify(values.map((v) => (Object.is(v, -0) ? '-0' : String(v))))};
     var OPTIONS = ${JSON.stringify(options.map((o) => o ?? null))};
     function decodeUplink() {
       var out = {};
       for (var i = 0; i < VALUES.length; i++) for (var j = 0; j < OPTIONS.length; j++) {
         out[i + ':' + j] = Number(VALUES[i]).toLocaleString('en-US', OPTIONS[j] || undefined);
       }
       return { data: out };
     }`,
    'numbers',
  );
  try {
    const data = codec.decodeUplink({ bytes: [], fPort: 1, recvTime: new Date(0) }).data as Record<string, string>;
    for (const [i, v] of values.entries()) {
      for (const [j, o] of options.entries()) assert.is(data[`${i}:${j}`], v.toLocaleString('en-US', o), `${v} with ${JSON.stringify(o)}`);
    }
  } finally {
    codec.dispose();
  }
});

numbers('400 seeded random values from 1e-12 to 1e17 (many on rounding boundaries) match Node', async () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const values: number[] = [];
  for (let i = 0; i < 400; i++) {
    let v = (random() - 0.5) * 10 ** (Math.floor(random() * 30) - 12);
    if (i % 3 === 0) v = Math.round(v * 10000) / 10000;
    if (i % 7 === 0) v = Math.round(v * 2000) / 2000;
    values.push(v);
  }
  const text = values.map((v) => (Object.is(v, -0) ? '-0' : String(v)));
  const codec = await loadUserCodecFromSource(
    `var V = ${JSON.stringify(text)};
     function decodeUplink() { var o = {}; for (var i = 0; i < V.length; i++) o[i] = Number(V[i]).toLocaleString(); return { data: o }; }`,
    'random-numbers',
    { timeLimitMs: 2_000 },
  );
  try {
    const data = codec.decodeUplink({ bytes: [], fPort: 1, recvTime: new Date(0) }).data as Record<string, string>;
    for (const [i, v] of values.entries()) assert.is(data[i], v.toLocaleString(), String(v));
  } finally {
    codec.dispose();
  }
});

numbers('dates: invalid date, year before 1000, and a time zone the sandbox cannot compute', async () => {
  const codec = await loadUserCodecFromSource(
    `function decodeUplink(input) {
       if (input.fPort === 2) return { data: { s: new Date(0).toLocaleString('en-US', { timeZone: 'Europe/Berlin' }) } };
       return { data: { invalid: new Date(NaN).toLocaleString(), old: new Date(Date.UTC(999, 0, 1)).toLocaleDateString('en-US', { timeZone: 'UTC' }) } };
     }`,
    'dates',
    { quarantineAfter: 0 },
  );
  try {
    assert.equal(codec.decodeUplink({ bytes: [], fPort: 1, recvTime: new Date(0) }).data, {
      invalid: new Date(NaN).toLocaleString(),
      old: new Date(Date.UTC(999, 0, 1)).toLocaleDateString('en-US', { timeZone: 'UTC' }),
    });
    // Refused with a clear reason rather than a silently wrong time.
    assert.equal(codec.decodeUplink({ bytes: [], fPort: 2, recvTime: new Date(0) }).errors, [
      'codec threw RangeError: time zone Europe/Berlin is not available in the codec sandbox (only UTC and the gateway local time are) (dates.js line 2)',
    ]);
  } finally {
    codec.dispose();
  }
});

numbers.run();
