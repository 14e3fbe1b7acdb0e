import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppError } from '../errors';

/**
 * The companion page's HTML, CSS and JavaScript live in src/playground/public/. The code runs
 * from src/playground (ts-jest) and from dist/src/playground (tsc copies no .html/.css), so it
 * walks up to the project folder (package.json) and serves them from the source tree.
 */

let cachedDir: string | undefined;

export function publicDir(): string {
  cachedDir ??= findPublicDir(__dirname);
  return cachedDir;
}

export function findPublicDir(startDir: string): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, 'src', 'playground', 'public');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new AppError('INTERNAL', 'The companion page files (src/playground/public) were not found.');
    dir = parent;
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** The file for a request path such as `/` or `/companion.js`; undefined when there is none. */
export function staticFile(urlPath: string): { body: Buffer; contentType: string } | undefined {
  const name = urlPath === '/' ? 'index.html' : urlPath.replace(/^\/+/, '');
  // Only plain names in the folder itself: no sub-paths, so no way out of it.
  if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name) || name.includes('..')) return undefined;
  const contentType = TYPES[path.extname(name)];
  if (!contentType) return undefined;
  const file = path.join(publicDir(), name);
  try {
    return { body: fs.readFileSync(file), contentType };
  } catch {
    return undefined;
  }
}
