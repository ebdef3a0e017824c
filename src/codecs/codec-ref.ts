// How a codec is named in profiles and on the command line: a path to a JavaScript file, or the
// id of a built-in codec. Kept apart from the profile loader so tools can tell without loading it.
import { basename } from 'node:path';

/**
 * Where a codec comes from. `source`: JavaScript text carried in a fleet bundle (src/fleet/), named
 * like the file it was built from; `digest` (SHA-256 of the text) keeps two versions apart.
 */
export type CodecRef =
  | { kind: 'builtin'; id: string }
  | { kind: 'file'; path: string }
  | { kind: 'source'; name: string; source: string; digest: string };

/** A codec string names a file when it looks like a path; otherwise it is a built-in codec id. */
export function isCodecPath(codec: string): boolean {
  return /[/\\]/.test(codec) || /\.[cm]?js$/i.test(codec);
}

/** Written to `decoded.codec`: the built-in id, or the JavaScript file name (`acme-th01.js`). */
export function codecName(ref: CodecRef): string {
  if (ref.kind === 'source') return ref.name;
  return ref.kind === 'builtin' ? ref.id : basename(ref.path);
}

/** The identity under which codecs are shared. */
export function codecKey(ref: CodecRef): string {
  if (ref.kind === 'source') return `source:${ref.digest}:${ref.name}`;
  return ref.kind === 'builtin' ? `builtin:${ref.id}` : `file:${ref.path}`;
}
