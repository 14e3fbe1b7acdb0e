import type { CloudAdapter } from 'botbuilder';
import type { Request, Response } from 'restify';
import { isLoopbackHost } from '../sources/allowed-hosts';
import type { TodoAttachBot } from './bot';

export interface ActivityHandlerOptions {
  /** Local mode: activities are not authenticated, so replies may only go to this machine. */
  localMode: boolean;
}

/** The HTTP side of an activity: the adapter authenticates it and runs the bot on it. */
export function activityHandler(adapter: CloudAdapter, bot: TodoAttachBot, options: ActivityHandlerOptions): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    // Unauthenticated activities name their own serviceUrl, where the bot would send the user's
    // lists and tasks: in local mode only the emulators and the Agents Playground (loopback) qualify.
    if (options.localMode && !isLoopbackServiceUrl((req.body as { serviceUrl?: unknown } | undefined)?.serviceUrl)) {
      res.send(403, { error: 'In local mode the bot only answers activities whose serviceUrl is on loopback (the emulators and the Agents Playground).' });
      return;
    }
    await adapter.process(req, res, (context) => bot.run(context));
  };
}

export function isLoopbackServiceUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && isLoopbackHost(url.hostname);
}
