// How a codec is named in profiles and on the command line: a path to a JavaScript file, or the
// id of a built-in codec. Kept apart from the profile loader so tools can tell without loading it.

/** A codec string names a file when it looks like a path; otherwise it is a built-in codec id. */
export function isCodecPath(codec: string): boolean {
  return /[/\\]/.test(codec) || /\.[cm]?js$/i.test(codec);
}
