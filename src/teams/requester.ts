import type { Activity } from 'botbuilder';

/** Who sent an activity and where, as plain data for handlers (no botbuilder types beyond here). */
export interface Requester {
  userId: string;
  name: string;
  aadObjectId: string | undefined;
  tenantId: string | undefined;
  conversationId: string;
  conversationType: string;
  /** The group chat's or channel's name when Teams gives it (helps rank the likely task). */
  conversationName: string | undefined;
  serviceUrl: string;
}

export function requesterOf(activity: Partial<Activity>): Requester {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: unknown }; channel?: { name?: unknown }; team?: { name?: unknown } };
  const tenantFromChannel = typeof channelData.tenant?.id === 'string' ? channelData.tenant.id : undefined;
  return {
    userId: activity.from?.id ?? '',
    name: activity.from?.name ?? 'the person who sent the file',
    aadObjectId: activity.from?.aadObjectId,
    tenantId: activity.conversation?.tenantId ?? tenantFromChannel,
    conversationId: activity.conversation?.id ?? '',
    conversationType: activity.conversation?.conversationType ?? 'personal',
    conversationName: conversationName(activity, channelData),
    serviceUrl: activity.serviceUrl ?? '',
  };
}

/** A group chat's topic, or the team and channel names (Teams sends them in channelData when it has them). */
function conversationName(activity: Partial<Activity>, channelData: { channel?: { name?: unknown }; team?: { name?: unknown } }): string | undefined {
  const own = activity.conversation?.name;
  if (typeof own === 'string' && own.trim() !== '') return own.slice(0, 200);
  const parts = [channelData.team?.name, channelData.channel?.name].filter((n): n is string => typeof n === 'string' && n.trim() !== '');
  return parts.length > 0 ? parts.join(' ').slice(0, 200) : undefined;
}
