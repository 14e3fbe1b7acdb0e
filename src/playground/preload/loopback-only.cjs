'use strict';
/**
 * Loaded with `node --require` into the Microsoft 365 Agents Playground (a child of `npm start`).
 * The Playground has no host option and listens on every interface; its
 * `/_internal/v1/customActivities` relays any activity to the unauthenticated local bot. So:
 *
 * 1. every server it starts listens on 127.0.0.1 only (unreachable from the network);
 * 2. every request and WebSocket upgrade must name this server by a loopback name in `Host`
 *    (DNS rebinding: a web page whose own name resolves to 127.0.0.1 sends its name), and an
 *    `Origin`, when a browser sends one, must be the Playground's own (cross-site requests,
 *    form posts and WebSockets from other pages).
 *
 * Plain CommonJS on purpose: it runs inside the Playground's process before its code, from the
 * source tree, with no build step (src/playground/playground-process.ts finds it).
 */
const net = require('node:net');
const http = require('node:http');

const LOOPBACK = '127.0.0.1';
// The same list as src/http/loopback-host.ts (this file runs without a build step).
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    // listen(options[, cb]); a handle or a unix socket path is not a network interface.
    if (first.path === undefined && first.handle === undefined && first._handle === undefined && first.fd === undefined) {
      args[0] = { ...first, host: LOOPBACK };
    }
    return listen.apply(this, args);
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)) || first === undefined || first === null) {
    // listen([port[, host[, backlog]]][, callback])
    const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
    const backlog = args.find((a, i) => i > 0 && typeof a === 'number');
    const options = { port: first === undefined || first === null ? 0 : Number(first), host: LOOPBACK };
    if (backlog !== undefined) options.backlog = backlog;
    return callback ? listen.call(this, options, callback) : listen.call(this, options);
  }
  return listen.apply(this, args);
};

function refusal(server, req) {
  const address = server.address();
  if (address === null || typeof address !== 'object') return undefined;
  const allowed = LOOPBACK_NAMES.map((name) => `${name}:${address.port}`);
  const host = String(req.headers.host || '').toLowerCase();
  if (!allowed.includes(host)) return { status: 421, text: 'Open the Agents Playground as http://127.0.0.1 or http://localhost.' };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.some((a) => String(origin).toLowerCase() === `http://${a}`)) {
    return { status: 403, text: 'Requests from other sites are not accepted.' };
  }
  return undefined;
}

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function guardedEmit(event, ...args) {
  if (event === 'request') {
    const [req, res] = args;
    const why = refusal(this, req);
    if (why) {
      res.writeHead(why.status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(why.text);
      return true;
    }
  } else if (event === 'upgrade') {
    const [req, socket] = args;
    const why = refusal(this, req);
    if (why) {
      socket.end(`HTTP/1.1 ${why.status} ${http.STATUS_CODES[why.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return true;
    }
  }
  return emit.call(this, event, ...args);
};
