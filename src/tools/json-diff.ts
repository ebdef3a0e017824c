// Differences between two JSON values, one readable line per difference, for checking a codec's
// output against the expected output of an example. Object key order does not matter; numbers
// must be equal exactly, as The Things Network's device-repository tests require. Pure.

const MAX_SHOWN = 80;

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const plain = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (path === '') return plain;
  return plain === key ? `${path}.${key}` : `${path}[${plain}]`;
}

/** Empty when `actual` deep-equals `expected`. */
export function jsonDifferences(expected: unknown, actual: unknown, path = ''): string[] {
  const where = path === '' ? '(whole value)' : path;
  const k = kind(expected);
  if (k !== kind(actual)) return [`${where}: expected ${show(expected)}, got ${show(actual)}`];
  if (k === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length !== a.length) return [`${where}: expected ${e.length} item${e.length === 1 ? '' : 's'} ${show(e)}, got ${a.length} ${show(a)}`];
    const out: string[] = [];
    for (let i = 0; i < e.length; i++) out.push(...jsonDifferences(e[i], a[i], child(path, i)));
    return out;
  }
  if (k === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const out: string[] = [];
    for (const key of Object.keys(e)) {
      if (!(key in a)) out.push(`${child(path, key)}: missing (expected ${show(e[key])})`);
      else out.push(...jsonDifferences(e[key], a[key], child(path, key)));
    }
    for (const key of Object.keys(a)) if (!(key in e)) out.push(`${child(path, key)}: not expected (got ${show(a[key])})`);
    return out;
  }
  return Object.is(expected, actual) || expected === actual ? [] : [`${where}: expected ${show(expected)}, got ${show(actual)}`];
}
