import { AppError } from '../errors';

/**
 * Server-side request forgery guard: a URL named in a Teams activity is fetched only when its
 * host is on the allow-list ("Allowed download hosts must be checked before fetching anything
 * named in an activity", reference/teams-bots.md). Checked again on every redirect.
 *
 * Entries: `host` (any port), `host:port` (that port only), `*.sharepoint.com` (any subdomain,
 * not the bare domain), `[::1]:8080` for IPv6. HTTPS only; plain HTTP only to loopback and
 * only in local mode (emulators on 127.0.0.1).
 */
export interface HostCheckOptions {
  allowHttpLoopback: boolean;
}

interface Entry {
  host: string;
  wildcard: boolean;
  port: number | undefined;
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function parseEntry(raw: string): Entry | undefined {
  let text = raw.trim().toLowerCase();
  if (text === '') return undefined;
  let port: number | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const rest = text.slice(close + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    port = rest === '' ? undefined : Number(rest.slice(1));
    text = text.slice(0, close + 1);
  } else {
    const m = /^(.*):(\d{1,5})$/.exec(text);
    if (m && m[1] !== undefined && m[2] !== undefined) {
      text = m[1];
      port = Number(m[2]);
    }
  }
  const wildcard = text.startsWith('*.');
  const host = normalizeHost(wildcard ? text.slice(2) : text);
  if (host === '' || host.includes('*') || host.includes('/')) return undefined;
  return { host, wildcard, port };
}

/** 127.0.0.0/8, localhost and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = normalizeHost(hostname).replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((n) => Number(n) <= 255);
}

function effectivePort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'http:' ? 80 : 443;
}

function entryMatches(entry: Entry, url: URL): boolean {
  const host = normalizeHost(url.hostname);
  const hostOk = entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host;
  return hostOk && (entry.port === undefined || entry.port === effectivePort(url));
}

export function isHostAllowed(url: URL, allowList: readonly string[], opts: HostCheckOptions): boolean {
  // Credentials in a URL would travel to the host: no download link needs them.
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'http:') {
    if (!opts.allowHttpLoopback || !isLoopbackHost(url.hostname)) return false;
  } else if (url.protocol !== 'https:') {
    return false;
  }
  return allowList.some((raw) => {
    const entry = parseEntry(raw);
    return entry !== undefined && entryMatches(entry, url);
  });
}

/** Throws DOWNLOAD_HOST_NOT_ALLOWED (naming at most the host) unless the URL may be fetched. */
export function assertDownloadAllowed(url: URL | string, allowList: readonly string[], opts: HostCheckOptions): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new AppError('DOWNLOAD_HOST_NOT_ALLOWED', 'The download link is not a valid URL.');
  }
  if (!isHostAllowed(parsed, allowList, opts)) {
    throw new AppError('DOWNLOAD_HOST_NOT_ALLOWED', `Downloads from ${parsed.hostname || 'this host'} are not allowed.`, { status: 403 });
  }
  return parsed;
}

/** Whether a URL (as text) names an allowed host; a malformed one does not. */
export function isUrlAllowed(url: string, allowList: readonly string[], opts: HostCheckOptions): boolean {
  try {
    return isHostAllowed(new URL(url), allowList, opts);
  } catch {
    return false;
  }
}
