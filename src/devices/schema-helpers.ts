// Zod building blocks shared by the profile and registry schemas, and the turning of zod issues
// into one readable line each (`key.path: what is wrong`) for field staff.
import { z } from 'zod';

/** A problem found in a profile or registry file. */
export interface Problem {
  /** Dotted key path inside the item (`activation.nwkSKey`, `fPorts[2]`); '' for the item itself. */
  key: string;
  message: string;
  /** The same key as a path, to find its line in the file. */
  path?: readonly PropertyKey[];
}

export function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * An unknown key name as it may appear in a message: the identifier it starts with, cut there. A
 * mangled line (`nwkSKey:<key>` without the space) reads as one long key, and must not print the key.
 */
export function shownKeyName(key: string): string {
  const head = /^[A-Za-z0-9_.-]{0,32}/.exec(key)![0];
  return head.length === key.length ? head : `${head}…`;
}

/** One Problem per zod issue; unknown keys are named so typos (`fports`) are easy to spot. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): Problem[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return {
        key: keyPath(path),
        message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${shownKeyName(k)}"`).join(', ')}`,
        path: [...path, issue.keys[0]],
      };
    }
    return { key: keyPath(path), message: issue.message, path };
  });
}

/** Required non-empty text; the message never echoes the value (keys must not reach logs). */
export function requiredText() {
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be text') })
    .trim()
    .min(1, 'must not be empty');
}

function hexString(digits: number, what: string, allowSeparators: boolean) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : `must be ${what}`) })
    .transform((s) => {
      let hex = s.trim().replace(/^0x/i, '');
      if (allowSeparators) hex = hex.replace(/[\s:-]/g, '');
      return hex.toLowerCase();
    })
    .refine((hex) => hex.length === digits && /^[0-9a-f]+$/.test(hex), { message: `must be ${what}` });
}

/** EUI-64 (DevEUI, JoinEUI): 16 hex digits, separators `:`/`-`/space allowed; normalised to lower case. */
export const euiSchema = () => hexString(16, '16 hex digits (an EUI-64, MSB first)', true);
/** DevAddr: 8 hex digits MSB first, normalised to lower case. */
export const devAddrSchema = () => hexString(8, '8 hex digits (MSB first)', false);
/** AES-128 key: 32 hex digits. The message does not quote the value. */
export const keySchema = () => hexString(32, '32 hex digits (a 128-bit key)', false);
