import type { AdaptiveCardJson } from '../cards/render';
import { toAppError } from '../errors';
import type { Requester } from './requester';
import type { PersonalCard, Turn } from './turn';

/**
 * Channels and group chats are read by every member, so nothing that shows one user's To Do
 * (list names, task titles) or transfers is posted there. Such answers go to the requester's
 * 1:1 chat with the bot (Teams gives one per user; the bot creates it through the connector),
 * and the shared conversation gets one neutral sentence pointing there.
 *
 * Chosen over a neutral card with a per-user view (`refresh.userIds`): the 1:1 chat keeps every
 * later card (progress, done, Retry) private without a second view to keep in sync, works on
 * every Teams client and in the Agents Playground (which has no `refresh`), and is where the
 * message action already reports progress.
 */

export function isSharedConversation(requester: Pick<Requester, 'conversationType'>): boolean {
  return requester.conversationType !== 'personal';
}

/** Where a private answer went; undefined when the 1:1 chat could not be reached (the user was told). */
export type PrivateCard = PersonalCard;

/**
 * Posts the card where only the requester sees it: this conversation when it is their 1:1 chat,
 * else their 1:1 chat, with `pointer` (a sentence with nothing private) in the shared one.
 */
export async function replyPrivately(turn: Turn, card: AdaptiveCardJson, pointer: string): Promise<PrivateCard | undefined> {
  const { requester } = turn;
  if (!isSharedConversation(requester)) {
    const activityId = await turn.replyCard(card);
    return { serviceUrl: requester.serviceUrl, conversationId: requester.conversationId, activityId, reference: turn.reference };
  }
  let shown: PersonalCard;
  try {
    shown = await turn.openPersonalChat(card);
  } catch (err) {
    turn.services.logger.warn({ err: toAppError(err).toLog() }, 'could not reach the requester in their 1:1 chat');
    await turn.replyText(`${requester.name}, I could not open our 1:1 chat. Open a chat with me (To Do Attach) and ask me there.`);
    return undefined;
  }
  await turn.replyText(`${requester.name}, ${pointer}`);
  return shown;
}
