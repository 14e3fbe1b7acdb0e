import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';

/** ALLOWED_TENANTS: who may use the bot; everyone else gets one polite sentence and nothing more. */

export const TENANT_REFUSAL = 'Sorry, To Do Attach is not available for your organization. Ask your Teams admin if you think it should be.';

/** The tenant an activity comes from, lower case (Teams puts it in channelData and on the conversation). */
export function tenantOf(activity: Partial<Activity>): string | undefined {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: unknown } };
  const fromChannel = typeof channelData.tenant?.id === 'string' ? channelData.tenant.id : undefined;
  const id = fromChannel ?? activity.conversation?.tenantId;
  return typeof id === 'string' && id !== '' ? id.toLowerCase() : undefined;
}

/** Answers the activity with the sentence in the shape its kind expects; no Graph call, no job. */
export async function refuseTenant(context: TurnContext): Promise<void> {
  const activity = context.activity;
  if (activity.type === ActivityTypes.Message) {
    await context.sendActivity(TENANT_REFUSAL);
    return;
  }
  if (activity.type !== ActivityTypes.Invoke) return;
  const name = activity.name ?? '';
  const body = name.startsWith('composeExtension/')
    ? { task: { type: 'message', value: TENANT_REFUSAL } }
    : { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: TENANT_REFUSAL };
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
}
