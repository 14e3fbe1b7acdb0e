import type { AdaptiveCardJson } from '../cards/render';
import type { Requester } from './requester';
import type { BotServices } from './services';

/** What a handler gets for one incoming activity (built in bot.ts from botbuilder's TurnContext). */
export interface Turn {
  requester: Requester;
  services: BotServices;
  /** Opaque botbuilder ConversationReference of this conversation (stored in jobs). */
  reference: Record<string, unknown>;
  /** Sends a card into the conversation; resolves with the new message id. */
  replyCard(card: AdaptiveCardJson): Promise<string | undefined>;
  replyText(text: string): Promise<void>;
}
