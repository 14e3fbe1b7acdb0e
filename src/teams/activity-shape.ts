import { z } from 'zod';

/**
 * The envelope every activity must have before botbuilder sees it (Bot Framework activity
 * schema): botbuilder reads `recipient.id`, `conversation.id` and `from` without checking them,
 * and its connector client refuses a reply whose copied fields (ids, names) are not strings,
 * so such an activity would fail inside the turn. Such a request is the sender's mistake:
 * 400 with a sentence, nothing run. The rest of the activity is checked where it is used.
 */
const text = (max: number) => z.string().max(max).optional();
// Fields the connector client copies into replies and validates as strings there.
const Party = z.object({ id: z.string().min(1).max(1000), name: text(1000), aadObjectId: text(200), role: text(50) });

const Envelope = z.object({
  type: z.string().min(1).max(100),
  serviceUrl: z.string().min(1).max(2048),
  from: Party,
  recipient: Party,
  conversation: z.object({ id: z.string().min(1).max(2000), conversationType: text(100), tenantId: text(200), name: text(1000), isGroup: z.boolean().optional() }),
  id: text(1000),
  replyToId: text(1000),
  channelId: text(100),
  name: text(200),
  text: text(100_000),
  textFormat: text(50),
  locale: text(50),
});

/** A sentence naming what is wrong, or undefined when the envelope is sound. */
export function activityShapeProblem(body: unknown): string | undefined {
  const parsed = Envelope.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'the activity';
  return `The activity is not valid: ${where} is missing or malformed.`;
}
