import type { CloudAdapter } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { TodoAttachBot } from './bot';

/** The HTTP side of an activity: the adapter authenticates it and runs the bot on it. */
export function activityHandler(adapter: CloudAdapter, bot: TodoAttachBot): (req: Request, res: Response) => Promise<void> {
  return (req, res) => adapter.process(req, res, (context) => bot.run(context));
}
