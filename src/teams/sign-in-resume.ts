import { ActivityTypes, CardFactory, type TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render';
import type { TodoAttachBot } from './bot';
import { onCardAction } from './card-actions';
import { onMessage } from './messages';
import type { PendingSignInAction } from './sign-in';

/**
 * Continues what a user asked for before signing in, in its own conversation (a proactive
 * turn): the file message is handled as if it had just arrived (the picker card appears), and
 * an Attach press replaces its card with what the press would have shown (the transfer card).
 */
export function resumeAfterSignIn(bot: TodoAttachBot): (context: TurnContext, action: PendingSignInAction) => Promise<void> {
  return async (context, action) => {
    const turn = bot.turnOf(context);
    if (action.kind === 'message') {
      await onMessage(turn, action.text, action.attachments, { mentioned: action.mentioned });
      return;
    }
    const result = await onCardAction(turn, action.verb, action.data ?? {}, action.cardMessageId);
    const body = (result.body ?? {}) as { type?: unknown; value?: unknown };
    if (body.type === 'application/vnd.microsoft.card.adaptive' && action.cardMessageId) {
      await context.updateActivity({ type: ActivityTypes.Message, id: action.cardMessageId, attachments: [CardFactory.adaptiveCard(body.value as AdaptiveCardJson)] });
    } else if (typeof body.value === 'string') {
      await context.sendActivity(body.value);
    }
  };
}
