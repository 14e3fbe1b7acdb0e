import type { Activity } from 'botbuilder';

/** Who sent an activity and where, as plain data for handlers (no botbuilder types beyond here). */
export interface Requester {
  userId: string;
  name: string;
  aadObjectId: string | undefined;
  tenantId: string | undefined;
  conversationId: string;
  conversationType: string;
  serviceUrl: string;
}

export function requesterOf(activity: Partial<Activity>): Requester {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: unknown } };
  const tenantFromChannel = typeof channelData.tenant?.id === 'string' ? channelData.tenant.id : undefined;
  return {
    userId: activity.from?.id ?? '',
    name: activity.from?.name ?? 'the person who sent the file',
    aadObjectId: activity.from?.aadObjectId,
    tenantId: activity.conversation?.tenantId ?? tenantFromChannel,
    conversationId: activity.conversation?.id ?? '',
    conversationType: activity.conversation?.conversationType ?? 'personal',
    serviceUrl: activity.serviceUrl ?? '',
  };
}
