import type { Activity, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { Request, Response } from 'restify';
import { toAppError } from '../errors';
import { TEAMS_CHANNEL } from '../identity/user-tokens';
import { isLoopbackServiceUrl } from '../http/loopback-host';
import { activityShapeProblem } from './activity-shape';
import type { TeamsAdapter } from './bot-authentication';
import { tenantOf, refuseTenant } from './tenant-gate';

/**
 * The HTTP side of an activity: botbuilder authenticates it (CloudAdapter.processActivity with
 * ConfigurationBotFrameworkAuthentication), then the bot runs on it.
 *
 * Any failure before the bot runs is an authentication failure and answers 401: botbuilder
 * answers 500 for a token signed by another key under a known `kid` (identity.md §7), and it
 * must not look like our fault. Nothing is stored or sent for a refused activity; one warning
 * line is logged.
 *
 * Teams only: every Azure Bot also has the Web Chat channel (and often Direct Line), whose client
 * chooses its own `from.id` and channelData, and the Bot Framework authenticates those
 * activities like Teams' ones. Identity here is the Teams user id (29:…), which only the
 * `msteams` channel vouches for, so any other channel is refused (403) before the bot runs. The
 * Agents Playground (npm start) and the tests send `msteams` too.
 */
export interface ActivityHandlerOptions {
  logger: Logger;
  /** Lower-case tenant ids to serve; undefined serves every tenant. */
  allowedTenants: readonly string[] | undefined;
  /**
   * Local mode: activities are not authenticated and name their own serviceUrl, where the bot
   * would send the user's lists and tasks; only the emulators and the Agents Playground
   * (loopback) qualify.
   */
  loopbackServiceUrlsOnly: boolean;
}

export function authenticatedActivityHandler(
  adapter: TeamsAdapter,
  run: (context: TurnContext) => Promise<void>,
  options: ActivityHandlerOptions,
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || typeof (body as { type?: unknown }).type !== 'string') {
      res.send(400, { error: 'The request body must be an activity (a JSON object with a type).' });
      return;
    }
    const problem = activityShapeProblem(body);
    if (problem !== undefined) {
      res.send(400, { error: problem });
      return;
    }
    const activity = body as Activity;
    if (options.loopbackServiceUrlsOnly && !isLoopbackServiceUrl(activity.serviceUrl)) {
      res.send(403, { error: 'In local mode the bot only answers activities whose serviceUrl is on loopback (the emulators and the Agents Playground).' });
      return;
    }
    const header = req.headers.authorization;
    let started = false;
    let otherChannel = false;
    let result;
    try {
      result = await adapter.authenticateAndRun(typeof header === 'string' ? header : '', activity, async (context) => {
        started = true;
        // After authentication: an unauthenticated caller learns nothing beyond its 401.
        if (context.activity.channelId !== TEAMS_CHANNEL) {
          otherChannel = true;
          options.logger.warn({ channelId: String(context.activity.channelId).slice(0, 40), type: context.activity.type }, 'refused an activity from a channel other than Teams');
          return;
        }
        const tenant = tenantOf(context.activity);
        if (options.allowedTenants !== undefined && (tenant === undefined || !options.allowedTenants.includes(tenant))) {
          options.logger.warn({ tenant: tenant ?? '(none)', type: context.activity.type }, 'refused an activity from a tenant that is not allowed');
          await refuseTenant(context);
          return;
        }
        await run(context);
      });
    } catch (err) {
      if (!started) {
        const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown';
        options.logger.warn({ reason, channelId: activity.channelId, type: activity.type }, 'refused an activity that failed authentication');
        res.send(401, { error: 'Unauthorized' });
        return;
      }
      options.logger.error({ err: toAppError(err).toLog() }, 'activity processing failed');
      if (!res.headersSent) res.send(500, { error: 'The activity could not be processed.' });
      return;
    }
    if (otherChannel) {
      res.send(403, { error: 'To Do Attach works only in Microsoft Teams.' });
      return;
    }
    if (result?.body !== undefined) res.send(result.status, result.body);
    else res.send(result?.status ?? 200);
  };
}
