import { readFileSync } from 'node:fs';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import type { Diagnostic } from '../diagnostics';

/**
 * Bicep has no compiler on npm or in Debian, so the offline check parses with the
 * tree-sitter-bicep grammar (WASM, no native build) and lints the syntax tree.
 */
let parserPromise: Promise<Parser> | undefined;

function loadParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    // Bytes, not a path: with a path web-tree-sitter imports fs dynamically, which Jest's VM refuses.
    const wasm = readFileSync(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
    const language = await Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export interface ParsedBicep {
  file: string;
  source: string;
  tree: Tree;
  root: Node;
}

export async function parseBicep(file: string, source: string): Promise<ParsedBicep> {
  const parser = await loadParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter could not parse ${file}`);
  return { file, source, tree, root: tree.rootNode };
}

export function at(file: string, node: Node, rule: string, message: string): Diagnostic {
  return { file, line: node.startPosition.row + 1, col: node.startPosition.column + 1, rule, message };
}

/** Every ERROR and MISSING node, outermost first, as file:line:col diagnostics. */
export function syntaxErrors(parsed: ParsedBicep): Diagnostic[] {
  const out: Diagnostic[] = [];
  const visit = (node: Node): void => {
    if (node.isMissing) {
      out.push(at(parsed.file, node, 'syntax', `syntax error: missing '${node.type}'`));
      return;
    }
    if (node.isError) {
      const text = node.text.split('\n')[0]?.slice(0, 40) ?? '';
      out.push(at(parsed.file, node, 'syntax', `syntax error: unexpected '${text}'`));
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) if (child) visit(child);
  };
  visit(parsed.root);
  return out;
}
