/**
 * `${{NAME}}` placeholders (the Agents Toolkit's form) filled inside JSON string values, so a
 * value with quotes or backslashes cannot break the JSON. Every value is checked before use,
 * and a problem always names the variable.
 */
export const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Bot Framework token service hosts (sign-in pages) per cloud and data residency. */
export const TOKEN_SERVICE_DOMAINS = [
  'token.botframework.com',
  'europe.token.botframework.com',
  'unitedstates.token.botframework.com',
  'india.token.botframework.com',
  'token.botframework.azure.us',
  'tokengcch.botframework.azure.us',
  'apidod.botframework.azure.us',
] as const;

/** The short name is "To Do Attach" + suffix, and Teams allows 30 characters. */
export const SHORT_NAME_BASE = 'To Do Attach';

type Rule = (value: string) => string | undefined;

const guid: Rule = (v) => (GUID.test(v) ? undefined : `must be a GUID such as 00000000-0000-0000-0000-000000000000, not "${v}"`);
const nonEmpty: Rule = (v) => (v.trim() === '' ? 'is empty' : undefined);

const publicHttps: Rule = (v) => {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return `must be an https:// address, not "${v}"`;
  }
  if (url.protocol !== 'https:') return `must be an https:// address, not "${v}"`;
  const host = url.hostname.toLowerCase();
  if (/(^|\.)(example\.(com|org|net)|invalid|localhost|test)$/.test(host) || /^[\d.]+$/.test(host)) {
    return `must be the publisher's real page (a store reviewer opens it), not "${v}"`;
  }
  return undefined;
};

export const RULES: Readonly<Record<string, Rule>> = {
  TEAMS_APP_ID: guid,
  BOT_ID: guid,
  AAD_APP_CLIENT_ID: guid,
  BOT_DOMAIN: (v) =>
    HOST.test(v)
      ? undefined
      : `must be the bot's host name only, such as todo-attach.azurewebsites.net (no https://, path or port), not "${v}"`,
  TOKEN_SERVICE_DOMAIN: (v) =>
    (TOKEN_SERVICE_DOMAINS as readonly string[]).includes(v.toLowerCase())
      ? undefined
      : `must be a Bot Framework token service host (${TOKEN_SERVICE_DOMAINS.join(', ')}), not "${v}"`,
  APP_NAME_SUFFIX: (v) => {
    if (/[\u0000-\u001f]/.test(v)) return 'must not contain line breaks or control characters';
    const max = 30 - SHORT_NAME_BASE.length;
    return v.length > max ? `is ${v.length} characters; at most ${max} fit in the 30-character short name` : undefined;
  },
  PUBLISHER_NAME: (v) => nonEmpty(v) ?? (v.length > 32 ? `is ${v.length} characters; Teams allows 32` : undefined),
  PUBLISHER_WEBSITE_URL: publicHttps,
  PRIVACY_URL: publicHttps,
  TERMS_OF_USE_URL: publicHttps,
};

/** Variables that may be set to an empty string (but must still be set). */
const MAY_BE_EMPTY = new Set(['APP_NAME_SUFFIX']);

export interface FillResult<T> {
  value: T;
  /** Every placeholder name the template uses. */
  names: string[];
  problems: string[];
}

export function placeholderNames(template: unknown): string[] {
  const names = new Set<string>();
  walkStrings(template, (s) => {
    for (const m of s.matchAll(PLACEHOLDER)) if (m[1]) names.add(m[1]);
    return s;
  });
  return [...names].sort();
}

/**
 * Fills every placeholder. `describeMissing` says where a variable can be set (it is part of
 * the sentence), `origin` where a bad value came from.
 */
export function fillPlaceholders<T>(
  template: T,
  values: ReadonlyMap<string, string>,
  where: { describeMissing: string; origin?: ReadonlyMap<string, string> },
): FillResult<T> {
  const names = placeholderNames(template);
  const problems: string[] = [];
  for (const name of names) {
    const value = values.get(name);
    const from = where.origin?.get(name);
    const suffix = from ? ` (from ${from})` : '';
    if (value === undefined) {
      problems.push(`${name} is not set: ${where.describeMissing}`);
      continue;
    }
    if (value === '' && !MAY_BE_EMPTY.has(name)) {
      problems.push(`${name} is empty${suffix}: ${where.describeMissing}`);
      continue;
    }
    const problem = (RULES[name] ?? nonEmpty)(value);
    if (problem) problems.push(`${name} ${problem}${suffix}`);
  }
  const value = walkStrings(template, (s) => s.replace(PLACEHOLDER, (_, name: string) => values.get(name) ?? '')) as T;
  return { value, names, problems };
}

function walkStrings(node: unknown, fn: (s: string) => string): unknown {
  if (typeof node === 'string') return fn(node);
  if (Array.isArray(node)) return node.map((n) => walkStrings(n, fn));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walkStrings(v, fn)]));
  }
  return node;
}
