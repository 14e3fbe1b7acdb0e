import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Environment files as the Agents Toolkit keeps them: `env/.env.<name>` (committed, no secrets)
 * and `env/.env.<name>.user` (secrets, git-ignored). A variable set in the process environment
 * wins over both, so CI can fill any value without editing a file.
 */
export interface LoadedEnv {
  values: Map<string, string>;
  /** Where each value came from, for messages: `environment` or a file path. */
  origin: Map<string, string>;
  filesRead: string[];
  filesMissing: string[];
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)?\s*$/;

/** The dotenv subset the toolkit writes: KEY=value, quoted values, # comments, blank lines. */
export function parseEnvText(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(raw)) continue;
    const m = LINE.exec(raw);
    if (!m || !m[1]) continue;
    let value = (m[2] ?? '').trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out.set(m[1], value);
  }
  return out;
}

export function isValidEnvName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name);
}

export function loadEnv(root: string, envName: string, processEnv: NodeJS.ProcessEnv): LoadedEnv {
  const loaded: LoadedEnv = { values: new Map(), origin: new Map(), filesRead: [], filesMissing: [] };
  for (const rel of [path.join('env', `.env.${envName}`), path.join('env', `.env.${envName}.user`)]) {
    const file = path.join(root, rel);
    if (!existsSync(file)) {
      loaded.filesMissing.push(rel);
      continue;
    }
    loaded.filesRead.push(rel);
    for (const [k, v] of parseEnvText(readFileSync(file, 'utf8'))) {
      loaded.values.set(k, v);
      loaded.origin.set(k, rel);
    }
  }
  for (const [k, v] of Object.entries(processEnv)) {
    if (v === undefined) continue;
    loaded.values.set(k, v);
    loaded.origin.set(k, 'environment');
  }
  return loaded;
}
