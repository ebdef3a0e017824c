// The one byte form of a JSON value that a hash or a signature covers: object keys sorted by code
// unit, no whitespace, arrays in order. The hub and every gateway compute the same bytes whatever
// order the keys arrived in, so re-serialising a bundle never breaks its hash.

/** Canonical JSON text; throws on values JSON cannot carry (undefined, functions, non-finite numbers). */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('canonical JSON: a number is not finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new Error(`canonical JSON: cannot encode a ${typeof value}`);
  }
}
