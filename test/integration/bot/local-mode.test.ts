import { request } from 'undici';
import { BotHarness, MEGAN, personalConversationId, BOT, TENANT } from '../../support/bot-harness';
import { listSearchFromMegan as invokeFromMegan, listTitles as titles } from '../../support/list-search';

/**
 * Local mode accepts activities without authentication (no MicrosoftAppId): it must only talk
 * to the emulators and the Agents Playground on this machine, never to a serviceUrl a sender
 * names, and answer only requests that name it by a loopback name (a web page using DNS
 * rebinding sends its own name in Host; found by review).
 */

let h: BotHarness;
beforeEach(async () => {
  h = await BotHarness.start();
});
afterEach(async () => {
  await h.close();
});

function fromMegan(serviceUrl: string): Record<string, unknown> {
  return {
    channelId: 'msteams',
    serviceUrl,
    from: { id: MEGAN.id, name: MEGAN.name },
    conversation: { conversationType: 'personal', tenantId: TENANT, id: personalConversationId(MEGAN) },
    recipient: BOT,
  };
}

test.each(['https://attacker.invalid/teams/', 'http://192.0.2.10:8080/', 'http://127.0.0.1.attacker.invalid/', 'file:///etc/passwd', 'not a url'])(
  'an activity whose serviceUrl is %s is refused: nothing is read, nothing is sent',
  async (serviceUrl) => {
    const file = h.emulators.files.addFile({ name: 'contract.pdf', size: 10_000 });
    const message = await h.post({
      ...fromMegan(serviceUrl),
      type: 'message',
      id: '1',
      text: '',
      attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'contract.pdf', content: { downloadUrl: file.url, fileType: 'pdf' } }],
    });
    expect(message.status).toBe(403);
    expect(JSON.stringify(message.body)).toMatch(/loopback/);
    const invoke = await h.post({ ...fromMegan(serviceUrl), type: 'invoke', name: 'application/search', value: { queryText: '', dataset: 'todoLists' } });
    expect(invoke.status).toBe(403);
    // Not a byte of the developer's To Do or files went anywhere.
    expect(h.emulators.graph.requests).toHaveLength(0);
    expect(h.emulators.files.requests).toHaveLength(0);
    expect(h.app.store.list()).toHaveLength(0);
  },
);

test('a loopback serviceUrl (the emulators, the Agents Playground) is served as before', async () => {
  expect(await h.sendText('help')).toBe(200);
  await h.waitForCard(1);
});

test('a request whose Host is a foreign name (DNS rebinding) is refused: the developer’s To Do lists are not read', async () => {
  const res = await request(`${h.app.url}/api/messages`, {
    method: 'POST',
    // What a browser sends for a same-origin fetch from http://rebind.attacker.example:<port>/
    headers: { host: `rebind.attacker.example:${h.app.port}`, origin: `http://rebind.attacker.example:${h.app.port}`, 'content-type': 'application/json' },
    body: JSON.stringify(invokeFromMegan(h.connector.serviceUrl)),
  });
  const text = await res.body.text();
  // Refused like the Playground and the emulators' admin routes do (e.g. 403/421), nothing read.
  expect({ status: String(res.statusCode), lists: titles(text) }).toEqual({ status: expect.not.stringMatching(/^2/), lists: [] });
  expect(res.statusCode).toBe(421);
  expect(h.emulators.graph.requests).toHaveLength(0);
});

test('each loopback name of the bot is served (127.0.0.1, localhost, [::1]); /healthz refuses a foreign Host too', async () => {
  for (const host of [`127.0.0.1:${h.app.port}`, `localhost:${h.app.port}`, `[::1]:${h.app.port}`]) {
    const res = await request(`${h.app.url}/api/messages`, {
      method: 'POST',
      headers: { host, 'content-type': 'application/json' },
      body: JSON.stringify(invokeFromMegan(h.connector.serviceUrl)),
    });
    expect({ host, status: res.statusCode, lists: titles(await res.body.text()) }).toEqual({ host, status: 200, lists: expect.arrayContaining(['Work']) });
  }
  const health = await request(`${h.app.url}/healthz`, { headers: { host: `rebind.attacker.example:${h.app.port}` } });
  await health.body.text();
  expect(health.statusCode).toBe(421);
});

test('LOCAL_SIGN_IN keeps the loopback serviceUrl rule: an activity signed by the local channel but naming another serviceUrl is refused', async () => {
  const signed = await BotHarness.start({ env: { LOCAL_SIGN_IN: 'true', LOCAL_GRAPH_TOKEN: undefined, GRAPH_BASE_URL: undefined, ALLOWED_DOWNLOAD_HOSTS: undefined } });
  try {
    const openid = signed.app.identityEmulators?.openid;
    if (!openid) throw new Error('LOCAL_SIGN_IN started no identity emulators');
    const post = async (serviceUrl: string): Promise<number> => {
      const res = await request(`${signed.app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${openid.channelToken({ appId: signed.app.appId, serviceUrl })}` },
        body: JSON.stringify(invokeFromMegan(serviceUrl)),
      });
      await res.body.text();
      return res.statusCode;
    };
    expect(await post('https://attacker.example/teams/')).toBe(403);
    // Control: the same activity with a loopback serviceUrl gets in (and is asked to sign in).
    expect(await post(signed.connector.serviceUrl)).toBe(200);
  } finally {
    await signed.close();
  }
});
