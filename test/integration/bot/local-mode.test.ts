import { BotHarness, MEGAN, personalConversationId, BOT, TENANT } from '../../support/bot-harness';

/**
 * Local mode accepts activities without authentication (no MicrosoftAppId): it must only talk
 * to the emulators and the Agents Playground on this machine, never to a serviceUrl a sender names.
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
