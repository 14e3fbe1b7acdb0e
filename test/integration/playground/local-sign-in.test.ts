import { request } from 'undici';
import type { PlaygroundIds } from '../../../src/playground/playground-api';
import { cardText } from '../../support/bot-harness';
import { signInWithButton } from '../../support/sign-in';
import { PlaygroundChat, startTestStack, type TestStack } from '../../support/playground';

/**
 * LOCAL_SIGN_IN=true npm start: the bot authenticates every activity (the channel proxy signs
 * what the Agents Playground sends) and signs the user in against the identity emulators. What
 * the Playground can show: the OAuthCard, the sign-in page behind its button, and the six-digit
 * code typed into its chat. (It cannot do silent SSO.)
 */
jest.setTimeout(90_000);

let t: TestStack;
let chat: PlaygroundChat;
let ids: PlaygroundIds;

beforeAll(async () => {
  t = await startTestStack({ LOCAL_SIGN_IN: 'true' });
  chat = await PlaygroundChat.connect(t.playgroundUrl);
  const api = t.stack.playground.api();
  if (!api) throw new Error('the Playground API is not available');
  ids = await api.config();
});
afterAll(async () => {
  await chat?.close();
  await t?.close();
});

async function say(text: string): Promise<void> {
  const res = await request(`${t.playgroundUrl}/_conversation/v1/conversations/${encodeURIComponent(ids.personalChatId)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: { id: ids.user.id }, text, textFormat: 'plain' }),
  });
  await res.body.text();
  expect(res.statusCode).toBeLessThan(300);
}

test('status → OAuthCard in the Playground → sign-in page → code typed in the chat → signed in, status card', async () => {
  // Unsigned activities straight to the bot are refused: only the proxy's signed ones get in.
  const direct = await request(`${t.stack.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'hi' }) });
  await direct.body.text();
  expect(direct.statusCode).toBe(401);

  await say('status');
  const oauth = await chat.waitFor((events) => events.find((e) => e.attachments.some((a) => a.contentType === 'application/vnd.microsoft.card.oauth')), 30_000, 'the OAuthCard');
  const content = oauth.attachments.find((a) => a.contentType === 'application/vnd.microsoft.card.oauth')?.content as { buttons?: Array<{ value?: string }> };
  const link = String(content.buttons?.[0]?.value);
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/oauth\/signin\?signin=/);

  const code = await signInWithButton(link);
  await say(code);
  await chat.waitFor((events) => events.find((e) => /You are signed in to Microsoft To Do/.test(e.text ?? '')), 30_000, 'the signed-in message');
  const status = await chat.waitFor((events) => events.find((e) => e.card !== undefined && /Your transfers/.test(cardText(e.card))), 30_000, 'the status card');
  expect(status.conversationId).toBe(ids.personalChatId);
  expect(t.stack.app.identityEmulators?.tokenService.hasToken(ids.user.id)).toBe(true);
});
