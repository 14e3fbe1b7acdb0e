import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { Diagnostic } from '../diagnostics';
import { BICEP_FUNCTIONS, BICEP_NAMESPACES, KNOWN_API_VERSIONS, SECRET_SINKS } from './known';
import { at, parseBicep, syntaxErrors, type ParsedBicep } from './parser';

/**
 * Lint of a Bicep deployment (main file plus the modules it names) on the tree-sitter syntax
 * tree. It cannot type-check like `bicep build`; it catches what breaks a deployment or leaks a
 * secret and can be seen in the tree: undeclared names, module parameters that do not match,
 * unchecked resource types or API versions, and @secure() values that reach a readable place.
 */

export interface ParamInfo {
  name: string;
  node: Node;
  hasDefault: boolean;
  secure: boolean;
  allowed?: string[];
}

export interface ResourceInfo {
  symbol: string;
  type: string;
  apiVersion: string;
  node: Node;
  body: Node | undefined;
}

export interface BicepFile {
  parsed: ParsedBicep;
  params: Map<string, ParamInfo>;
  variables: Map<string, Node>;
  outputs: Map<string, Node>;
  resources: ResourceInfo[];
  modules: Array<{ symbol: string; node: Node; pathNode: Node; target: string; body: Node | undefined }>;
}

export interface LintResult {
  diagnostics: Diagnostic[];
  files: Map<string, BicepFile>;
}

export interface LintOptions {
  /** Source text to use instead of the file on disk (tests lint mutated copies this way). */
  sources?: ReadonlyMap<string, string>;
}

const DECLARATIONS = new Set([
  'parameter_declaration',
  'variable_declaration',
  'resource_declaration',
  'module_declaration',
  'output_declaration',
  'type_declaration',
  'user_defined_function',
  'metadata_declaration',
]);

const named = (node: Node): Node[] => node.namedChildren.filter((c): c is Node => c !== null);
const same = (a: Node | null | undefined, b: Node): boolean => !!a && a.startIndex === b.startIndex && a.endIndex === b.endIndex;

function declName(decl: Node): Node | undefined {
  return named(decl).find((c) => c.type === 'identifier');
}

/** The text of a string literal without interpolation, or undefined. */
export function literal(node: Node | undefined | null): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  let out = '';
  for (const part of named(node)) {
    if (part.type === 'string_content') out += part.text;
    else if (part.type === 'escape_sequence') out += part.text.slice(1);
    else return undefined;
  }
  return out;
}

function decoratorCalls(decl: Node): Node[] {
  let prev = decl.previousNamedSibling;
  while (prev && prev.type === 'comment') prev = prev.previousNamedSibling;
  if (!prev || prev.type !== 'decorators') return [];
  return named(prev)
    .map((d) => named(d).find((c) => c.type === 'call_expression'))
    .filter((c): c is Node => !!c);
}

function callName(call: Node): string | undefined {
  const fn = call.childForFieldName('function') ?? named(call)[0];
  return fn?.type === 'identifier' ? fn.text : undefined;
}

/** The object that holds a resource's or module's properties (through `if (...)` and `for`). */
function bodyObject(decl: Node): Node | undefined {
  const walk = (n: Node): Node | undefined => {
    if (n.type === 'object') return n;
    if (n.type === 'if_statement' || n.type === 'for_statement') {
      const inner = named(n).filter((c) => c.type === 'object' || c.type === 'if_statement');
      const last = inner[inner.length - 1];
      return last ? walk(last) : undefined;
    }
    return undefined;
  };
  for (const child of named(decl)) {
    const found = walk(child);
    if (found) return found;
  }
  return undefined;
}

function propertyKey(prop: Node): Node | undefined {
  const key = named(prop)[0];
  if (!key) return undefined;
  return key.type === 'compatible_identifier' ? (named(key)[0] ?? key) : key;
}

function keyText(prop: Node): string | undefined {
  const key = propertyKey(prop);
  if (!key) return undefined;
  return key.type === 'string' ? literal(key) : key.text;
}

export function objectProperty(obj: Node | undefined, key: string): Node | undefined {
  if (!obj) return undefined;
  return named(obj).find((p) => p.type === 'object_property' && keyText(p) === key);
}

export function propertyValue(prop: Node | undefined): Node | undefined {
  if (!prop) return undefined;
  const parts = named(prop);
  return parts[parts.length - 1];
}

function isKeyOf(id: Node, parent: Node): boolean {
  return parent.type === 'object_property' && same(propertyKey(parent), id);
}

/** True when this identifier reads a symbol (as opposed to declaring one or naming a key). */
function isReference(id: Node): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (DECLARATIONS.has(parent.type) && same(declName(parent), id)) return false;
  if (isKeyOf(id, parent)) return false;
  if (parent.type === 'compatible_identifier') return false;
  if (parent.type === 'call_expression' && same(parent.childForFieldName('function') ?? named(parent)[0], id)) return false;
  if (parent.type === 'for_statement' && same(parent.childForFieldName('initializer'), id)) return false;
  if (['loop_variable', 'loop_enumerator', 'parameter', 'import_statement', 'import_functionality', 'import_with_statement'].includes(parent.type)) return false;
  if (parent.type === 'resource_expression' && same(parent.childForFieldName('resource'), id)) return false;
  if (parent.type === 'lambda_expression') {
    const arrow = parent.children.findIndex((c) => c?.type === '=>');
    const index = parent.children.findIndex((c) => c !== null && same(c, id));
    if (arrow >= 0 && index < arrow) return false;
  }
  for (let a: Node | null = parent; a; a = a.parent) {
    if (a.type === 'type' || a.type === 'type_arguments') return false;
  }
  return true;
}

function collectLocals(root: Node): Set<string> {
  const locals = new Set<string>();
  for (const n of root.descendantsOfType(['for_statement', 'loop_variable', 'loop_enumerator', 'parameter', 'lambda_expression'])) {
    if (!n) continue;
    if (n.type === 'for_statement') {
      const init = n.childForFieldName('initializer');
      if (init) locals.add(init.text);
    } else if (n.type === 'lambda_expression') {
      // `x => …` or `(x, y) => …`: every identifier before the arrow is a lambda parameter.
      const arrow = n.children.findIndex((c) => c?.type === '=>');
      for (const c of n.children.slice(0, Math.max(arrow, 0))) {
        if (!c) continue;
        if (c.type === 'identifier') locals.add(c.text);
        for (const x of c.descendantsOfType('identifier')) if (x) locals.add(x.text);
      }
    } else {
      const id = named(n).find((c) => c.type === 'identifier');
      locals.add(id ? id.text : n.text);
    }
  }
  return locals;
}

function model(parsed: ParsedBicep): BicepFile {
  const file: BicepFile = { parsed, params: new Map(), variables: new Map(), outputs: new Map(), resources: [], modules: [] };
  for (const decl of named(parsed.root)) {
    const name = declName(decl);
    if (!name) continue;
    if (decl.type === 'parameter_declaration') {
      const calls = decoratorCalls(decl);
      const allowedCall = calls.find((c) => callName(c) === 'allowed');
      const allowedArray = allowedCall ? allowedCall.descendantsOfType('array')[0] : undefined;
      const allowed = allowedArray ? named(allowedArray).map((s) => literal(s)).filter((s): s is string => s !== undefined) : undefined;
      file.params.set(name.text, {
        name: name.text,
        node: name,
        hasDefault: decl.children.some((c) => c?.type === '='),
        secure: calls.some((c) => callName(c) === 'secure'),
        ...(allowed ? { allowed } : {}),
      });
    } else if (decl.type === 'variable_declaration') {
      file.variables.set(name.text, decl);
    } else if (decl.type === 'output_declaration') {
      file.outputs.set(name.text, decl);
    } else if (decl.type === 'module_declaration') {
      const pathNode = named(decl).find((c) => c.type === 'string');
      if (pathNode) {
        file.modules.push({ symbol: name.text, node: name, pathNode, target: literal(pathNode) ?? '', body: bodyObject(decl) });
      }
    }
  }
  for (const decl of parsed.root.descendantsOfType('resource_declaration')) {
    if (!decl) continue;
    const name = declName(decl);
    const typeNode = named(decl).find((c) => c.type === 'string');
    const typeText = literal(typeNode) ?? '';
    const [type = '', apiVersion = ''] = typeText.split('@');
    file.resources.push({ symbol: name?.text ?? '', type, apiVersion, node: typeNode ?? decl, body: bodyObject(decl) });
  }
  return file;
}

/** The resource type a child resource declared with `parent:` or nesting has, from its string. */
function enclosing(id: Node, types: readonly string[]): Node | undefined {
  for (let a = id.parent; a; a = a.parent) if (types.includes(a.type)) return a;
  return undefined;
}

/** Property keys from a declaration's body down to the identifier, e.g. `properties.value`. */
function propertyPath(id: Node, decl: Node): { path: string; direct: boolean } {
  const keys: string[] = [];
  let direct = id.parent?.type === 'object_property';
  for (let a = id.parent; a && !same(a, decl); a = a.parent) {
    if (a.type === 'object_property') keys.unshift(keyText(a) ?? '?');
    if (a.type !== 'object_property' && a.type !== 'object' && keys.length === 0) direct = false;
  }
  return { path: keys.join('.'), direct };
}

function lintFile(file: BicepFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const f = file.parsed.file;
  const root = file.parsed.root;
  const declared = new Set<string>([
    ...file.params.keys(),
    ...file.variables.keys(),
    ...file.resources.map((r) => r.symbol),
    ...file.modules.map((m) => m.symbol),
    ...collectLocals(root),
  ]);
  for (const decl of named(root)) {
    if (decl.type === 'user_defined_function' || decl.type === 'type_declaration' || decl.type.startsWith('import')) {
      const n = declName(decl);
      if (n) declared.add(n.text);
    }
  }
  const used = new Set<string>();
  const secure = new Set([...file.params.values()].filter((p) => p.secure).map((p) => p.name));

  for (const id of root.descendantsOfType('identifier')) {
    if (!id || !isReference(id)) continue;
    used.add(id.text);
    if (!declared.has(id.text) && !BICEP_NAMESPACES.has(id.text)) {
      out.push(at(f, id, 'undeclared', `'${id.text}' is used but not declared`));
    }
    if (secure.has(id.text)) out.push(...secretUse(file, id));
  }

  for (const call of root.descendantsOfType('call_expression')) {
    if (!call) continue;
    const fn = call.childForFieldName('function') ?? named(call)[0];
    if (!fn) continue;
    const name = fn.type === 'identifier' ? fn.text : fn.type === 'member_expression' ? (fn.childForFieldName('property')?.text ?? '') : '';
    if (/^list/i.test(name)) {
      out.push(at(f, fn, 'no-keys', `${name}() reads keys or secrets into the template; use the managed identity instead`));
    } else if (fn.type === 'identifier' && !BICEP_FUNCTIONS.has(name) && !declared.has(name)) {
      out.push(at(f, fn, 'unknown-function', `'${name}' is not a Bicep function`));
    }
  }

  for (const p of file.params.values()) {
    if (!used.has(p.name)) out.push(at(f, p.node, 'unused-param', `parameter '${p.name}' is declared but never used`));
  }
  for (const [name, decl] of file.variables) {
    if (!used.has(name)) out.push(at(f, declName(decl) ?? decl, 'unused-var', `variable '${name}' is declared but never used`));
  }

  for (const r of file.resources) {
    if (!r.type || !/^[A-Za-z]+\.[A-Za-z]+(\/[A-Za-z]+)+$/.test(r.type) || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(r.apiVersion)) {
      out.push(at(f, r.node, 'resource-type', `resource '${r.symbol}' needs a type of the form 'Namespace.Provider/type@yyyy-mm-dd'`));
      continue;
    }
    const known = KNOWN_API_VERSIONS[r.type];
    if (!known) out.push(at(f, r.node, 'resource-type', `resource type ${r.type} is not in the checked list (tools/bicep/known.ts)`));
    else if (!known.includes(r.apiVersion)) {
      out.push(at(f, r.node, 'api-version', `${r.type}@${r.apiVersion} is not a checked API version (known: ${known.join(', ')})`));
    }
  }

  for (const prop of root.descendantsOfType('object_property')) {
    if (!prop) continue;
    const key = (keyText(prop) ?? '').replace(/[_-]/g, '').toLowerCase();
    if (!/(password|secret|accountkey|sastoken)$/.test(key)) continue;
    const value = propertyValue(prop);
    if (!value || same(value, propertyKey(prop) ?? prop)) continue;
    if (value.type === 'identifier' && secure.has(value.text)) continue; // the secret-flow rule judges it
    if (value.type === 'string' && /^'@Microsoft\.KeyVault\(/.test(value.text)) continue;
    out.push(at(f, prop, 'plain-secret', `'${keyText(prop)}' looks like a secret: give it a Key Vault reference or a @secure() parameter`));
  }
  return out;
}

/** Where a @secure() parameter may be read: a write-only sink, a secure module parameter, or empty(). */
function secretUse(file: BicepFile, id: Node): Diagnostic[] {
  const f = file.parsed.file;
  const args = id.parent;
  if (args?.type === 'arguments' && args.parent?.type === 'call_expression' && callName(args.parent) === 'empty') return [];
  const decl = enclosing(id, [...DECLARATIONS]);
  if (!decl) return [at(f, id, 'secret-flow', `secret '${id.text}' is used outside a declaration`)];
  if (decl.type === 'output_declaration') return [at(f, id, 'secret-flow', `secret '${id.text}' is written to output '${declName(decl)?.text}'`)];
  if (decl.type === 'resource_declaration') {
    const type = (literal(named(decl).find((c) => c.type === 'string')) ?? '').split('@')[0];
    const { path: where, direct } = propertyPath(id, decl);
    if (direct && SECRET_SINKS.some((s) => s.type === type && s.path === where)) return [];
    return [at(f, id, 'secret-flow', `secret '${id.text}' is written to ${type} ${where || '(expression)'}, which is readable; only Key Vault secrets and OAuth connection secrets may hold it`)];
  }
  if (decl.type === 'module_declaration') {
    const { path: where, direct } = propertyPath(id, decl);
    if (direct && /^params\.[^.]+$/.test(where)) return []; // checked against the module's @secure() in lintModules
    return [at(f, id, 'secret-flow', `secret '${id.text}' must be passed to a module as a whole parameter value`)];
  }
  return [at(f, id, 'secret-flow', `secret '${id.text}' is copied into ${decl.type.replace('_declaration', '')} '${declName(decl)?.text ?? ''}', which is readable`)];
}

function lintModules(files: Map<string, BicepFile>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const file of files.values()) {
    const f = file.parsed.file;
    const secure = new Set([...file.params.values()].filter((p) => p.secure).map((p) => p.name));
    for (const mod of file.modules) {
      const targetPath = path.resolve(path.dirname(f), mod.target);
      const target = files.get(targetPath);
      if (!target) continue; // reported as missing when the files were read
      const paramsObj = propertyValue(objectProperty(mod.body, 'params'));
      const given = new Set<string>();
      for (const prop of paramsObj ? named(paramsObj).filter((p) => p.type === 'object_property') : []) {
        const key = keyText(prop) ?? '';
        given.add(key);
        const param = target.params.get(key);
        const keyNode = propertyKey(prop) ?? prop;
        if (!param) {
          out.push(at(f, keyNode, 'module-params', `module '${mod.symbol}' (${mod.target}) has no parameter '${key}'`));
          continue;
        }
        const value = propertyValue(prop);
        const text = literal(value);
        if (param.allowed && text !== undefined && !param.allowed.includes(text)) {
          out.push(at(f, value ?? keyNode, 'module-params', `'${text}' is not an allowed value of ${mod.target} parameter '${key}' (${param.allowed.join(', ')})`));
        }
        if (value?.type === 'identifier' && secure.has(value.text) && !param.secure) {
          out.push(at(f, value, 'secret-flow', `secret '${value.text}' is passed to '${key}' of ${mod.target}, which is not @secure()`));
        }
      }
      for (const param of target.params.values()) {
        if (!param.hasDefault && !given.has(param.name)) {
          out.push(at(f, mod.node, 'module-params', `module '${mod.symbol}' (${mod.target}) needs parameter '${param.name}'`));
        }
      }
    }
  }
  return out;
}

/** Parses `mainFile` and every module it names, then lints them together. */
export async function lintDeployment(mainFile: string, options: LintOptions = {}): Promise<LintResult> {
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, BicepFile>();
  const queue: Array<{ file: string; from?: { file: string; node: Node } }> = [{ file: path.resolve(mainFile) }];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (files.has(next.file)) continue;
    const override = options.sources?.get(next.file);
    if (override === undefined && !existsSync(next.file)) {
      const d = next.from
        ? at(next.from.file, next.from.node, 'module-path', `module file ${path.basename(next.file)} does not exist`)
        : { file: next.file, line: 1, col: 1, rule: 'module-path', message: 'file does not exist' };
      diagnostics.push(d);
      continue;
    }
    const parsed = await parseBicep(next.file, override ?? readFileSync(next.file, 'utf8'));
    const errors = syntaxErrors(parsed);
    diagnostics.push(...errors);
    const file = model(parsed);
    files.set(next.file, file);
    if (errors.length > 0) continue; // a broken tree would only add noise
    diagnostics.push(...lintFile(file));
    for (const mod of file.modules) {
      queue.push({ file: path.resolve(path.dirname(next.file), mod.target), from: { file: next.file, node: mod.pathNode } });
    }
  }
  diagnostics.push(...lintModules(files));
  diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  return { diagnostics, files };
}

/** The parameters one Bicep file declares (for cross-checks with parameter files). */
export async function bicepParams(file: string): Promise<Map<string, ParamInfo>> {
  return model(await parseBicep(file, readFileSync(file, 'utf8'))).params;
}
