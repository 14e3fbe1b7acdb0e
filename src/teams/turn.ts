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
  /**
   * Posts a card in the requester's 1:1 chat with the bot, creating that conversation through
   * the connector when needed (message-extension progress goes there, sent proactively).
   */
  openPersonalChat(card: AdaptiveCardJson): Promise<PersonalCard>;
}

/** Where a card posted in the 1:1 chat lives (stored in the job to update it later). */
export interface PersonalCard {
  serviceUrl: string;
  conversationId: string;
  activityId: string | undefined;
  /** botbuilder ConversationReference of the 1:1 chat, opaque outside src/teams/. */
  reference: Record<string, unknown>;
}
