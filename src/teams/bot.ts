import { ActivityTypes, CardFactory, TurnContext, type Activity } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render';
import { toAppError } from '../errors';
import { onCardAction } from './card-actions';
import type { InvokeResult } from './invoke';
import { onMessage } from './messages';
import { requesterOf } from './requester';
import { onSearch } from './search';
import type { BotServices } from './services';
import type { Turn } from './turn';

/**
 * Routes each activity by type and invoke name to one handler. Invokes are answered on their
 * own HTTP request at once; long work (transfers) runs in src/jobs/.
 */
export class TodoAttachBot {
  constructor(private readonly services: BotServices) {}

  async run(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const turn = this.turnOf(context);
    switch (activity.type) {
      case ActivityTypes.Message: {
        const text = TurnContext.removeRecipientMention(activity) ?? activity.text ?? '';
        await onMessage(turn, text, activity.attachments);
        return;
      }
      case ActivityTypes.Invoke: {
        const result = await this.invoke(turn, activity).catch((err: unknown): InvokeResult => {
          this.services.logger.error({ err: toAppError(err).toLog(), name: activity.name }, 'invoke failed');
          return { status: 500, body: { statusCode: 500, type: 'application/vnd.microsoft.activity.message', value: 'Something went wrong on our side. Please try again.' } };
        });
        await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: result.status, body: result.body } });
        return;
      }
      case ActivityTypes.ConversationUpdate:
      case ActivityTypes.InstallationUpdate:
      case ActivityTypes.MessageReaction:
      case ActivityTypes.Typing:
        return;
      default:
        this.services.logger.info({ type: activity.type }, 'ignored an activity type the bot does not use');
    }
  }

  private async invoke(turn: Turn, activity: Activity): Promise<InvokeResult> {
    switch (activity.name) {
      case 'adaptiveCard/action': {
        const value = (activity.value ?? {}) as { action?: { verb?: unknown; data?: unknown } };
        const verb = typeof value.action?.verb === 'string' ? value.action.verb : '';
        return onCardAction(turn, verb, value.action?.data ?? {}, activity.replyToId);
      }
      case 'application/search':
        return onSearch(turn, activity.value);
      default:
        this.services.logger.info({ name: activity.name }, 'unknown invoke');
        return { status: 501 };
    }
  }

  private turnOf(context: TurnContext): Turn {
    return {
      requester: requesterOf(context.activity),
      services: this.services,
      reference: TurnContext.getConversationReference(context.activity) as Record<string, unknown>,
      replyCard: async (card: AdaptiveCardJson) => {
        const sent = await context.sendActivity({ type: ActivityTypes.Message, attachments: [CardFactory.adaptiveCard(card)] });
        return sent?.id;
      },
      replyText: async (text: string) => {
        await context.sendActivity(text);
      },
    };
  }
}
