import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../sources/allowed-hosts';

/**
 * Loopback-only servers (everything local mode runs: the bot, the LOCAL_SIGN_IN channel proxy,
 * the companion page, the emulators' admin routes) answer only requests that name them by a
 * loopback name. DNS rebinding: a web page whose own name is made to resolve to 127.0.0.1
 * reaches them, but its requests carry its own name in `Host`, and in `Origin` when it is a
 * browser's cross-site request. (The Agents Playground's preload keeps the same list in plain
 * CommonJS, since it runs without a build step: src/playground/preload/loopback-only.cjs.)
 */

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** `host:port` for each loopback name of a server on `port`. */
function loopbackAuthorities(port: number | undefined): string[] {
  return port === undefined ? [] : LOOPBACK_NAMES.map((name) => `${name}:${port}`);
}

/** True when the request's `Host` names the server it reached (its local port) by a loopback name. */
export function hostIsLoopback(req: Pick<IncomingMessage, 'headers' | 'socket'>, port: number | undefined = req.socket.localPort): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  return loopbackAuthorities(port).includes(host);
}

/** True when a browser says the request comes from a page other than this server's own (loopback) origin. */
export function originIsForeign(req: Pick<IncomingMessage, 'headers' | 'socket'>, port: number | undefined = req.socket.localPort): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return !loopbackAuthorities(port).some((authority) => origin.toLowerCase() === `http://${authority}`);
}

/** An http(s) URL on a loopback host, without credentials (where local mode may send replies). */
export function isLoopbackServiceUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && isLoopbackHost(url.hostname);
}
