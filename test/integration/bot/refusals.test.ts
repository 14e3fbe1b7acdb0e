import { BotHarness, cardActions, cardText } from '../../support/bot-harness';

jest.setTimeout(60_000);

/** Every refusal on a card says its real reason, in words a user understands. */
let h: BotHarness;
beforeEach(async () => {
  h = await BotHarness.start();
});
afterEach(async () => {
  await h.close();
});

async function fileMessage(attachment: Record<string, unknown>): Promise<string> {
  const before = h.cards().length;
  const res = await h.post({
    channelId: 'msteams',
    serviceUrl: h.connector.serviceUrl,
    from: { id: '29:1h3Zl8sUQn2Yk0oFq7cW9pXyMeganBowen', name: 'Megan Bowen', aadObjectId: '6b1c9a3e-2f4d-4c7e-9a51-0d7f3e2b8c41' },
    conversation: { conversationType: 'personal', tenantId: 'c0ffee00-1111-4222-8333-444455556666', id: 'a:1Xq3Personal1h3Zl8sUQn2YConversationOpaque' },
    recipient: { id: '28:7e3f2d1c-aaaa-4bbb-8ccc-0123456789ab', name: 'To Do Attach' },
    type: 'message',
    id: String(Date.now()),
    text: '',
    attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', ...attachment }],
  });
  expect(res.status).toBe(200);
  return cardText((await h.waitForCard(before + 1)).card);
}

test('a file on a host outside ALLOWED_DOWNLOAD_HOSTS: the card says where it is stored is not allowed, not "too large"', async () => {
  const text = await fileMessage({ name: 'contract.pdf', content: { downloadUrl: 'https://files.example.net/contract.pdf?tempauth=abc' } });
  expect(text).toContain('“contract.pdf” is stored somewhere this app is not allowed to download from, so it was not attached.');
  expect(text).toContain('can’t be attached, for the reason below');
  expect(text).not.toMatch(/too large/i);
  expect(text).not.toContain('example.net');
  expect(h.emulators.files.requests).toHaveLength(0);
});

test('a file over 25 MB: the card gives its size and the limit', async () => {
  const big = h.emulators.files.addFile({ name: 'film.mp4', size: 31 * 1024 * 1024 });
  const text = await fileMessage({ name: 'film.mp4', content: { downloadUrl: big.url } });
  expect(text).toContain('“film.mp4” is 31.0 MB; To Do accepts files up to 25 MB.');
});

test('a file gone from where Teams stored it (404): the card says it could not be found', async () => {
  const file = h.emulators.files.addFile({ name: 'gone.docx', size: 100 });
  h.emulators.files.removeFile(file.id);
  const text = await fileMessage({ name: 'gone.docx', content: { downloadUrl: file.url } });
  expect(text).toContain('“gone.docx” could not be found where Teams stored it.');
  expect(cardActions(await h.waitForCard(1).then((c) => c.card)).map((a) => a.verb)).toEqual(['dismiss']);
});

test.each([
  ['no name', { name: '   ', content: { downloadUrl: 'https://contoso-my.sharepoint.com/x' } }, 'The file has no name'],
  ['no download link', { name: 'scan.pdf', content: {} }, 'Teams sent “scan.pdf” without a link to download it from.'],
  ['a name over 400 characters', { name: `${'n'.repeat(401)}.txt`, content: { downloadUrl: 'https://contoso-my.sharepoint.com/x' } }, 'longer than 400 characters'],
])('an unreadable file (%s): the notice says what is wrong with it', async (_label, attachment, expected) => {
  const text = await fileMessage(attachment);
  expect(text).toContain('I could not read that file');
  expect(text).toContain(expected);
});
