import { ActivityTypes, CardFactory, type CloudAdapter, type ConversationReference } from 'botbuilder';
import { renderCard } from '../cards/render';
import { AppError } from '../errors';
import { parseRetryAfter } from '../retry';
import type { TransferJob } from '../jobs/job';
import type { LiveProgress, TransferNotifier } from '../jobs/runner';
import { transferView } from './transfer-view';

/**
 * Updates a job's card in place (PUT …/activities/{id}) from the background, through the
 * stored conversation reference. A throttled update (Teams: ~7 per second per conversation)
 * surfaces as an AppError with retryAfterMs, which the progress throttle honours.
 */
export class CardNotifier implements TransferNotifier {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
    private readonly taskUrl: (listId: string, taskId: string) => string,
  ) {}

  async show(job: TransferJob, live: LiveProgress): Promise<void> {
    // Without the card's message id there is nothing to update in place: rather than a new
    // card every second, post only the outcome.
    if (!job.card.activityId && job.state === 'running') return;
    const card = renderCard('transfer', transferView(job, live, { taskUrl: this.taskUrl(job.target.listId, job.target.taskId) }));
    const reference = job.card.reference as Partial<ConversationReference>;
    // botbuilder hands an error thrown inside the turn to adapter.onTurnError (which logs and
    // swallows it), so continueConversationAsync would resolve as if the card were updated.
    // The error is caught inside and rethrown here, so the progress throttle sees the failure
    // and its Retry-After and keeps retrying the final card.
    let failure: { err: unknown } | undefined;
    try {
      await this.adapter.continueConversationAsync(this.appId, reference, async (context) => {
        const activity = { type: ActivityTypes.Message, attachments: [CardFactory.adaptiveCard(card)] };
        try {
          if (job.card.activityId) await context.updateActivity({ ...activity, id: job.card.activityId });
          else await context.sendActivity(activity);
        } catch (err) {
          failure = { err };
        }
      });
    } catch (err) {
      // Failures outside the turn (e.g. the connector's token could not be obtained).
      failure ??= { err };
    }
    if (failure) throw connectorError(failure.err);
  }
}

/** botframework-connector errors carry statusCode and the response headers. */
export function connectorError(err: unknown): AppError {
  const e = (err ?? {}) as { statusCode?: unknown; response?: { headers?: unknown; status?: unknown } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.response?.status === 'number' ? e.response.status : undefined;
  const retryAfterMs = parseRetryAfter(headerValue(e.response?.headers, 'retry-after'));
  const retryable = status === undefined || status === 429 || status >= 500;
  return new AppError(status === 429 ? 'TEAMS_THROTTLED' : 'TEAMS_ERROR', `Teams did not accept the card update${status ? ` (HTTP ${status})` : ''}.`, {
    status,
    retryAfterMs: retryAfterMs ?? (status === 429 ? 1000 : undefined),
    retryable,
    cause: err,
  });
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  const v = typeof h.get === 'function' ? h.get(name) : (h[name] ?? h[name.toLowerCase()]);
  return typeof v === 'string' ? v : undefined;
}
