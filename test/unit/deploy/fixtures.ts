import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Every variable the manifest template needs, with values a real tenant would have. */
export const VALID_ENV: Readonly<Record<string, string>> = {
  TEAMS_APP_ID: '3f2a6c1e-8b7d-4e5f-9a0b-1c2d3e4f5a6b',
  BOT_ID: '7d9e8f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a',
  AAD_APP_CLIENT_ID: '7d9e8f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a',
  BOT_DOMAIN: 'todo-attach-x1y2z3.azurewebsites.net',
  TOKEN_SERVICE_DOMAIN: 'token.botframework.com',
  APP_NAME_SUFFIX: '',
  PUBLISHER_NAME: 'Contoso',
  PUBLISHER_WEBSITE_URL: 'https://contoso.com/todo-attach',
  PRIVACY_URL: 'https://contoso.com/todo-attach/privacy',
  TERMS_OF_USE_URL: 'https://contoso.com/todo-attach/terms',
};

/** A scratch copy of the parts of the project a tool reads, so tests never write into the repo. */
export function projectCopy(parts: readonly string[]): { root: string; remove: () => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'todo-attach-deploy-'));
  for (const part of parts) cpSync(path.join(ROOT, part), path.join(root, part), { recursive: true });
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
