// The one line every `npm run bench*` ends with: `SUMMARY name: k=v k=v ...`, the same keys every
// run, so that runs can be compared with diff or grep.

export type SummaryFields = Record<string, string | number | boolean>;

export function summaryLine(name: string, fields: SummaryFields): string {
  return `SUMMARY ${name}: ${Object.entries(fields).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`;
}

/** The name and fields of a summary line (values as printed), or undefined for any other line. */
export function parseSummaryLine(line: string): { name: string; fields: Record<string, string> } | undefined {
  const match = /^SUMMARY ([^:\s]+): ?(.*)$/.exec(line.trim());
  if (!match) return undefined;
  const fields: Record<string, string> = {};
  for (const pair of match[2]!.split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { name: match[1]!, fields };
}
