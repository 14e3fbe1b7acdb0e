import { ActivityTypes, CardFactory, CloudAdapterBase, TurnContext, type Activity, type ConversationParameters } from 'botbuilder';
import { AuthenticationConstants, type ConnectorClient } from 'botframework-connector';
import type { AdaptiveCardJson } from '../cards/render';
import { AppError, toAppError } from '../errors';
import { connectorError } from './card-notifier';
import { onFetchTask, onSubmitAction } from './message-extension';
import { onCardAction } from './card-actions';
import type { InvokeResult } from './invoke';
import { onMessage } from './messages';
import { requesterOf } from './requester';
import { onSearch } from './search';
import type { BotServices } from './services';
import type { PersonalCard, Turn } from './turn';

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
        // Activities are input: malformed entities or attachments must not throw.
        if (!Array.isArray(activity.entities)) activity.entities = [];
        activity.entities = activity.entities.filter((e) => e !== null && typeof e === 'object' && typeof e.type === 'string');
        const recipientId = activity.recipient?.id;
        const mentioned = TurnContext.getMentions(activity).some((m) => m.mentioned?.id === recipientId);
        const text = TurnContext.removeRecipientMention(activity) ?? (typeof activity.text === 'string' ? activity.text : '');
        await onMessage(turn, text, Array.isArray(activity.attachments) ? activity.attachments : undefined, { mentioned });
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
      case 'composeExtension/fetchTask':
        return onFetchTask(turn, activity.value);
      case 'composeExtension/submitAction':
        return onSubmitAction(turn, activity.value);
      default:
        // Input, not a fault of ours: a client error (never a 5xx for something a sender chose).
        this.services.logger.info({ name: typeof activity.name === 'string' ? activity.name.slice(0, 100) : typeof activity.name }, 'unknown invoke');
        return { status: 400, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'This bot does not handle that invoke.' } } };
    }
  }

  /** The handlers' view of a turn (also of a proactive one: sign-in resumes actions through it). */
  turnOf(context: TurnContext): Turn {
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
      openPersonalChat: (card: AdaptiveCardJson) => this.openPersonalChat(context, card),
    };
  }

  /**
   * Creates (or gets back: Teams returns the same one per user) the requester's 1:1 chat with
   * the bot through the connector, posts the card there and returns where it lives, so the job
   * can update it later with continueConversationAsync.
   */
  private async openPersonalChat(context: TurnContext, card: AdaptiveCardJson): Promise<PersonalCard> {
    const adapter = context.adapter;
    if (!(adapter instanceof CloudAdapterBase)) throw new AppError('INTERNAL', 'This adapter cannot start conversations.');
    const activity = context.activity;
    const requester = requesterOf(activity);
    const bot = { id: activity.recipient?.id ?? '', name: activity.recipient?.name ?? '' };
    const user = { id: requester.userId, name: requester.name, aadObjectId: requester.aadObjectId };
    const parameters = {
      isGroup: false,
      bot,
      members: [user],
      tenantId: requester.tenantId,
      channelData: { tenant: { id: requester.tenantId } },
    } as Partial<ConversationParameters> as ConversationParameters;
    let result: PersonalCard | undefined;
    try {
      await adapter.createConversationAsync(
        this.services.botAppId,
        activity.channelId ?? 'msteams',
        requester.serviceUrl,
        this.services.channelAudience ?? AuthenticationConstants.ToChannelFromBotOAuthScope,
        parameters,
        async (created) => {
          const conversation = { id: created.activity.conversation.id, conversationType: 'personal', isGroup: false, tenantId: requester.tenantId };
          const client = created.turnState.get<ConnectorClient>(adapter.ConnectorClientKey);
          // Sent with the connector directly: TurnContext would make it a reply to the conversation id.
          const sent = await client.conversations.sendToConversation(conversation.id, {
            type: ActivityTypes.Message,
            from: bot,
            recipient: user,
            conversation,
            attachments: [CardFactory.adaptiveCard(card)],
          } as Activity);
          result = {
            serviceUrl: requester.serviceUrl,
            conversationId: conversation.id,
            activityId: sent.id,
            reference: { channelId: activity.channelId ?? 'msteams', serviceUrl: requester.serviceUrl, conversation, bot, user, locale: activity.locale },
          };
        },
      );
    } catch (err) {
      throw connectorError(err);
    }
    if (!result) throw new AppError('TEAMS_ERROR', 'Teams did not open the chat.');
    return result;
  }
}
