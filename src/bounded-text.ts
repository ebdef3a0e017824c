// Texts that carry input from outside (a hub command, a codec's error, a peer's value) are cut to a
// bounded length before they are published or logged: an echo must never be larger than what
// caused it, let alone larger than a broker accepts.

/** Reasons published in device-ack events and similar one-line explanations. */
export const MAX_REASON_CHARS = 1024;
/** A value quoted from input inside a message (a key, a number, a field). */
export const MAX_QUOTE_CHARS = 64;
/** How many items of a list (unknown keys, codec errors) are named before "and N more". */
export const MAX_LISTED_ITEMS = 8;

/** `text` itself when short enough, else its start and how much was left out. */
export function shorten(text: string, maxChars: number = MAX_REASON_CHARS): string {
  if (text.length <= maxChars) return text;
  const note = ` … (${text.length - maxChars} more characters)`;
  // Never cut a surrogate pair in half: the result must stay valid UTF-16 / UTF-8.
  let end = Math.max(0, maxChars - note.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + note;
}

/** A value from input, JSON-quoted and shortened, for use inside a message. */
export function quote(value: unknown, maxChars: number = MAX_QUOTE_CHARS): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return shorten(text, maxChars);
}

/** The first few items, each shortened, then how many more there were. */
export function listSome(items: readonly string[], maxItems: number = MAX_LISTED_ITEMS, maxChars: number = MAX_QUOTE_CHARS): string {
  const shown = items.slice(0, maxItems).map((s) => shorten(s, maxChars));
  const rest = items.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}
