import path from 'node:path';

/** One problem found by an offline check, located like a compiler error (1-based line and column). */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  rule: string;
  message: string;
}

/** `deploy/infra/main.bicep:12:5: message [rule]`, with the path relative to `root`. */
export function formatDiagnostic(d: Diagnostic, root: string): string {
  const rel = path.relative(root, d.file) || d.file;
  return `${rel}:${d.line}:${d.col}: ${d.message} [${d.rule}]`;
}

export function formatDiagnostics(list: readonly Diagnostic[], root: string): string {
  return list.map((d) => formatDiagnostic(d, root)).join('\n');
}
