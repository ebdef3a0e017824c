// Pure parts of `decode --examples` and `profiles check` examples: the JSON difference lines and
// the checks on an examples list.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonDifferences } from '../../../src/tools/json-diff.js';
import { parseExamples } from '../../../src/tools/codec-examples.js';

const diff = suite('jsonDifferences');

diff('equal values, whatever the key order, have no differences', () => {
  assert.equal(jsonDifferences({ a: 1, b: [1, { c: 'x' }], d: null }, { d: null, b: [1, { c: 'x' }], a: 1 }), []);
  assert.equal(jsonDifferences(null, null), []);
});

diff('each difference is one line naming the path', () => {
  assert.equal(
    jsonDifferences(
      { data: { temperature: 21.5, extra: 1, 'pm2.5': 3, list: [1, 2] }, warnings: ['x'] },
      { data: { temperature: 21.4, surprise: true, 'pm2.5': 4, list: [1, 3] }, warnings: [] },
    ),
    [
      'data.temperature: expected 21.5, got 21.4',
      'data.extra: missing (expected 1)',
      'data["pm2.5"]: expected 3, got 4',
      'data.list[1]: expected 2, got 3',
      'data.surprise: not expected (got true)',
      'warnings: expected 1 item ["x"], got 0 []',
    ],
  );
});

diff('type changes, null against an object, strings against numbers', () => {
  assert.equal(jsonDifferences({ data: null }, { data: { a: 1 } }), ['data: expected null, got {"a":1}']);
  assert.equal(jsonDifferences({ v: '1' }, { v: 1 }), ['v: expected "1", got 1']);
  assert.equal(jsonDifferences([1], { 0: 1 }), ['(whole value): expected [1], got {"0":1}']);
});

diff.run();

const parse = suite('parseExamples');

parse('a well-formed list; data defaults to null, messages to empty lists', () => {
  const { examples, problems } = parseExamples(
    [
      { description: 'ok', input: { fPort: 1, bytes: [1, 2] }, output: { data: { a: 1 } } },
      { input: { fPort: 2, bytes: [], recvTime: '2024-01-01T00:00:00Z' }, output: { errors: ['bad'] } },
    ],
    'examples',
  );
  assert.equal(problems, []);
  assert.equal(examples[0], { description: 'ok', fPort: 1, bytes: [1, 2], expected: { data: { a: 1 }, warnings: [], errors: [] } });
  assert.equal(examples[1].expected, { data: null, warnings: [], errors: ['bad'] });
  assert.equal(examples[1].recvTime?.toISOString(), '2024-01-01T00:00:00.000Z');
});

parse('every problem is named with its place', () => {
  const { examples, problems } = parseExamples(
    [
      'text',
      { input: { fPort: 300, bytes: [1, 256] }, output: { data: [1], warnings: 'w' } },
      { input: { fPort: 1, bytes: [], recvTime: 'yesterday' }, output: {} },
      { output: {} },
    ],
    'examples',
  );
  assert.is(examples.length, 0);
  assert.equal(problems, [
    'examples[0] must be a mapping with input and output',
    'examples[1].input.fPort must be a whole number 0..255',
    'examples[1].input.bytes must be a list of byte values 0..255',
    'examples[1].output.data must be a mapping',
    'examples[1].output.warnings must be a list of strings',
    'examples[2].input.recvTime must be an ISO 8601 date-time',
    'examples[3].input must be a mapping with fPort and bytes',
  ]);
  assert.equal(parseExamples({}, 'uplinkDecoder.examples').problems, ['uplinkDecoder.examples must be a list']);
});

parse.run();
