// Reads an operator's YAML text without letting it take the daemon down: syntax errors, duplicate
// keys, unresolved aliases (`name: *room` with no `&room`), alias bombs and nesting too deep for the
// parser all come back as problems with a line number, never as exceptions.
import YAML, { LineCounter, isNode, type Document } from 'yaml';

/**
 * Alias expansions allowed per document (yaml's `maxAliasCount`). An alias bomb (nested aliases that
 * multiply) is refused long before it costs memory; hand-written files stay far below this.
 */
export const MAX_ALIAS_COUNT = 100;

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

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Parses `text`; every problem names its line. Never throws. */
export function readYaml(text: string, opts: ReadYamlOptions): YamlRead {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = YAML.parseDocument(text, { schema: opts.schema, lineCounter, prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    return { ok: false, problems: [{ line: null, message: `cannot be parsed as YAML: ${oneLine((err as Error).message)}` }] };
  }
  const lineAt = (offset: number | undefined) => (offset === undefined ? null : lineCounter.linePos(offset).line);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        line: e.linePos?.[0]?.line ?? lineAt(e.pos?.[0]),
        col: e.linePos?.[0]?.col,
        message:
          e.code === 'RESOURCE_EXHAUSTION'
            ? 'not valid YAML: nested too deeply to be read'
            : e.code === 'DUPLICATE_KEY'
              ? 'not valid YAML: a key appears twice in the same map'
              : `not valid YAML: ${oneLine(e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''))}`,
      })),
    };
  }
  let unresolved: Array<{ name: string; offset: number | undefined }>;
  try {
    unresolved = unresolvedAliases(doc);
  } catch {
    return { ok: false, problems: [{ line: null, message: 'not valid YAML: nested too deeply to be read' }] };
  }
  if (unresolved.length > 0) {
    return {
      ok: false,
      problems: unresolved.map((a) => ({
        line: lineAt(a.offset),
        message: `not valid YAML: alias *${a.name} refers to no anchor &${a.name} defined before it (a value starting with * must be quoted)`,
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = (err as Error).message;
    let firstAlias: number | undefined;
    try {
      firstAlias = aliasOffsets(doc)[0];
    } catch {
      firstAlias = undefined;
    }
    return {
      ok: false,
      problems: [
        {
          line: lineAt(firstAlias),
          message: /alias count/i.test(message)
            ? `not valid YAML: aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} expansions; an "alias bomb"?)`
            : `not valid YAML: ${oneLine(message)}`,
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

function aliasOffsets(doc: Document.Parsed): number[] {
  const out: number[] = [];
  YAML.visit(doc, {
    Alias(_key, node) {
      if (node.range) out.push(node.range[0]);
    },
  });
  return out;
}

function unresolvedAliases(doc: Document.Parsed): Array<{ name: string; offset: number | undefined }> {
  const out: Array<{ name: string; offset: number | undefined }> = [];
  YAML.visit(doc, {
    Alias(_key, node) {
      let target: unknown;
      try {
        target = node.resolve(doc);
      } catch {
        target = undefined;
      }
      if (target === undefined) out.push({ name: node.source, offset: node.range?.[0] });
    },
  });
  return out;
}
