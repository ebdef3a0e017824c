// Reads an operator's YAML text without letting it take the daemon down: syntax errors, duplicate
// keys, unresolved aliases (`name: *room` with no `&room`), alias bombs and nesting too deep for the
// parser all come back as problems with a line number, never as exceptions.
import YAML, { LineCounter, isNode, type Alias, type Document } from 'yaml';

/**
 * Alias expansions allowed per document (yaml's `maxAliasCount`). An alias bomb (nested aliases that
 * multiply) is refused long before it costs memory; hand-written files stay far below this.
 */
export const MAX_ALIAS_COUNT = 100;

/** Alias nodes (`*name`) allowed in one document, before any is expanded. */
export const MAX_ALIAS_NODES = 1000;

export interface YamlProblem {
  /** 1-based line, null when the problem has no single place. */
  line: number | null;
  /** 1-based column, for syntax errors. */
  col?: number;
  message: string;
}

export type YamlRead =
  | {
      ok: true;
      /** The plain JavaScript value of the document (null for an empty file). */
      value: unknown;
      /** The line of the node at `path` (or of its closest existing parent); null if none. */
      lineOf(path: readonly PropertyKey[]): number | null;
    }
  | { ok: false; problems: YamlProblem[] };

export interface ReadYamlOptions {
  /** `failsafe` keeps every scalar as text (keys, DevAddrs); `core` is YAML 1.2's usual typing. */
  schema: 'failsafe' | 'core';
}

/**
 * The parser's message on one line, without the source text some messages quote after a colon
 * ("Not a YAML token: <text>"): it may be a device key, which must not reach logs. The line and
 * column say where to look.
 */
function parserMessage(s: string): string {
  const first = s.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const cut = first.indexOf(': ');
  return (cut >= 0 ? first.slice(0, cut) : first).replace(/"(?:[^"\\]|\\.){2,}"/g, '(text not shown)').replace(/\s+/g, ' ').trim();
}

/** Flow collections (`[`, `{`) nested deeper than this are refused before parsing: thousands of
 * levels take the parser seconds, and no registry or profile needs more than a handful. */
export const MAX_FLOW_DEPTH = 64;

/** The line where flow nesting first exceeds MAX_FLOW_DEPTH, or null. Quotes and comments are skipped. */
function tooDeepFlowAt(text: string): number | null {
  let depth = 0;
  let line = 1;
  let quote: string | null = null;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line += 1;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === quote && !(quote === '"' && text[i - 1] === '\\')) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) comment = true;
    else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > MAX_FLOW_DEPTH) return line;
    } else if ((c === ']' || c === '}') && depth > 0) depth -= 1;
  }
  return null;
}

/** Parses `text`; every problem names its line. Never throws. */
export function readYaml(text: string, opts: ReadYamlOptions): YamlRead {
  const deepAt = tooDeepFlowAt(text);
  if (deepAt !== null) {
    return { ok: false, problems: [{ line: deepAt, message: `not valid here: [ ] or { } nested more than ${MAX_FLOW_DEPTH} levels deep` }] };
  }
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    // logLevel 'silent': warnings become problems below instead of process warnings.
    doc = YAML.parseDocument(text, { schema: opts.schema, lineCounter, prettyErrors: true, uniqueKeys: true, logLevel: 'silent' });
  } catch (err) {
    return { ok: false, problems: [{ line: null, message: `cannot be parsed as YAML: ${parserMessage((err as Error).message)}` }] };
  }
  const lineAt = (offset: number | undefined) => (offset === undefined ? null : lineCounter.linePos(offset).line);
  // Warnings (an unknown tag such as `!custom x`) mean the file does not say what it seems to: refused.
  const errors = [...doc.errors, ...doc.warnings];
  if (errors.length > 0) {
    return {
      ok: false,
      problems: errors.map((e) => ({
        line: e.linePos?.[0]?.line ?? lineAt(e.pos?.[0]),
        col: e.linePos?.[0]?.col,
        message:
          e.code === 'RESOURCE_EXHAUSTION'
            ? 'not valid YAML: nested too deeply to be read'
            : e.code === 'DUPLICATE_KEY'
              ? 'not valid YAML: a key appears twice in the same map'
              : `not valid YAML: ${parserMessage(e.message)}`,
      })),
    };
  }
  let aliases: Alias[];
  let unresolved: Alias[];
  try {
    aliases = aliasNodes(doc);
    // Resolving an alias searches the document: thousands of them would make that search itself
    // the resource-exhaustion attack. No hand-written file comes near this.
    if (aliases.length > MAX_ALIAS_NODES) {
      return { ok: false, problems: [{ line: lineAt(aliases[0].range?.[0]), message: `not valid YAML: more than ${MAX_ALIAS_NODES} aliases (*name)` }] };
    }
    unresolved = aliases.filter((node) => !resolves(node, doc));
  } catch {
    return { ok: false, problems: [{ line: null, message: 'not valid YAML: nested too deeply to be read' }] };
  }
  if (unresolved.length > 0) {
    return {
      ok: false,
      problems: unresolved.map((a) => ({
        line: lineAt(a.range?.[0]),
        message: `not valid YAML: alias *${shortName(a.source)} refers to no anchor &${shortName(a.source)} defined before it (a value starting with * must be quoted)`,
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = (err as Error).message;
    return {
      ok: false,
      problems: [
        {
          line: lineAt(aliases[0]?.range?.[0]),
          message: /alias count/i.test(message)
            ? `not valid YAML: aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} expansions; an "alias bomb"?)`
            : `not valid YAML: ${parserMessage(message)}`,
        },
      ],
    };
  }
  const lineOf = (path: readonly PropertyKey[]): number | null => {
    for (let n = path.length; n >= 0; n--) {
      let node: unknown;
      try {
        node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      } catch {
        node = undefined;
      }
      if (isNode(node) && node.range) return lineAt(node.range[0]);
    }
    return null;
  };
  return { ok: true, value, lineOf };
}

/** An alias name for a message: a mangled line could make a key look like one, so long names are cut. */
function shortName(name: string): string {
  return name.length <= 16 ? name : `${name.slice(0, 8)}…`;
}

/** Every alias node (`*name`) of the document, in document order. */
function aliasNodes(doc: Document.Parsed): Alias[] {
  const out: Alias[] = [];
  YAML.visit(doc, {
    Alias(_key, node) {
      out.push(node);
    },
  });
  return out;
}

function resolves(node: Alias, doc: Document.Parsed): boolean {
  try {
    return node.resolve(doc) !== undefined;
  } catch {
    return false;
  }
}
