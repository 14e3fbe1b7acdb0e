import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { OpenIdEmulator } from '../emulators/openid';
import { BodyRefused, checkJsonHeaders } from '../http/json-body';
import { hostIsLoopback, isLoopbackServiceUrl, originIsForeign } from '../http/loopback-host';

/**
 * LOCAL_SIGN_IN: what the Bot Framework channel does between Teams and a bot, for the Agents
 * Playground (which sends activities unsigned): each activity is forwarded to the bot with a
 * channel token signed by the OpenID emulator's key (`aud` = the bot, `serviceurl` = the
 * activity's), so the bot authenticates it exactly as it would in Azure.
 *
 * It signs what reaches it, so it takes only what the Playground sends: a loopback name in
 * `Host` (DNS rebinding), no other site's `Origin`, `application/json` (a cross-site page can
 * send text/plain without a CORS preflight, never JSON) and a loopback serviceUrl (the bot's
 * replies, the user's lists and tasks, go only to the Playground and the emulators).
 */
export interface ChannelProxy {
  /** The messaging endpoint to give the Playground. */
  endpoint: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;

export async function startChannelProxy(options: { botEndpoint: string; appId: string; openid: OpenIdEmulator }): Promise<ChannelProxy> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/api/messages') {
        res.writeHead(404).end();
        return;
      }
      const refused = refusal(req);
      if (refused !== undefined) {
        res.writeHead(refused.status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ error: refused.message }));
        return;
      }
      const body = await readBody(req);
      if (body === undefined) {
        res.writeHead(413).end();
        return;
      }
      let serviceUrl = '';
      try {
        const activity = JSON.parse(body.toString('utf8')) as { serviceUrl?: unknown };
        serviceUrl = typeof activity.serviceUrl === 'string' ? activity.serviceUrl : '';
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (!isLoopbackServiceUrl(serviceUrl)) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'The local channel only signs activities whose serviceUrl is on loopback (the Agents Playground).' }));
        return;
      }
      const token = options.openid.channelToken({ appId: options.appId, serviceUrl });
      const answer = await request(options.botEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      const text = await answer.body.arrayBuffer();
      const type = answer.headers['content-type'];
      res.writeHead(answer.statusCode, typeof type === 'string' ? { 'content-type': type } : {});
      res.end(Buffer.from(text));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/api/messages`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function refusal(req: IncomingMessage): { status: number; message: string } | undefined {
  if (!hostIsLoopback(req)) return { status: 421, message: 'The local channel answers only as http://127.0.0.1 or http://localhost.' };
  if (originIsForeign(req)) return { status: 403, message: 'Requests from other sites are not accepted.' };
  try {
    checkJsonHeaders(req);
  } catch (err) {
    if (err instanceof BodyRefused) return { status: err.status, message: err.message };
    throw err;
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
