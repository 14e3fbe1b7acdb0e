import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { OpenIdEmulator } from '../emulators/openid';

/**
 * LOCAL_SIGN_IN: what the Bot Framework channel does between Teams and a bot, for the Agents
 * Playground (which sends activities unsigned): each activity is forwarded to the bot with a
 * channel token signed by the OpenID emulator's key (`aud` = the bot, `serviceurl` = the
 * activity's), so the bot authenticates it exactly as it would in Azure. Loopback only.
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
