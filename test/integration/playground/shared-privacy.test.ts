import { cardText } from '../../support/bot-harness';
import { PlaygroundChat, startTestStack, type TestStack } from '../../support/playground';
import type { PlaygroundApi, PlaygroundIds } from '../../../src/playground/playground-api';

/**
 * In the Agents Playground's team channel, `@To Do Attach status` must not show the user's
 * transfers to the channel: the status card goes to the personal chat (created through the
 * Playground's connector, as in Teams) and the channel gets one neutral sentence.
 */

jest.setTimeout(60_000);

let t: TestStack;
let chat: PlaygroundChat;
let api: PlaygroundApi;
let ids: PlaygroundIds;

beforeAll(async () => {
  t = await startTestStack();
  chat = await PlaygroundChat.connect(t.playgroundUrl);
  const a = t.stack.playground.api();
  if (!a) throw new Error('the Playground API is not available');
  api = a;
  ids = await api.config();
});

afterAll(async () => {
  await chat?.close();
  await t?.close();
});

test('status @mentioned in the channel: the card arrives in the personal chat, the channel sees a sentence', async () => {
  const channel = ids.channel;
  if (!channel) throw new Error('the Playground has no team channel');
  const template = await api.template(channel.id);
  const at = `<at>${ids.bot.name}</at>`;
  await api.sendCustomActivity({
    ...template,
    type: 'message',
    id: String(Date.now()),
    timestamp: new Date().toISOString(),
    textFormat: 'plain',
    text: `${at} status`,
    entities: [{ type: 'mention', text: at, mentioned: { id: ids.bot.id, name: ids.bot.name } }],
  });
  const status = await chat.waitFor((events) => events.find((e) => e.card !== undefined && /Your .*transfers/.test(cardText(e.card))), 30_000, 'the status card');
  expect(status.conversationId).toBe(ids.personalChatId);
  const pointer = await chat.waitFor((events) => events.find((e) => e.conversationId.startsWith(channel.id) && /1:1 chat/.test(e.text ?? '')), 30_000, 'the sentence in the channel');
  expect(pointer.card).toBeUndefined();
  expect(chat.events.filter((e) => e.conversationId.startsWith(channel.id) && e.card !== undefined)).toEqual([]);
});
