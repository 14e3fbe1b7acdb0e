import { BOT, MEGAN, TENANT, personalConversationId } from './bot-harness';

/** Megan's picker typeahead asking for her To Do lists (an invoke that reads Graph), naming `serviceUrl`. */
export function listSearchFromMegan(serviceUrl: string): Record<string, unknown> {
  return {
    type: 'invoke',
    name: 'application/search',
    id: 'f:1',
    value: { queryText: '', dataset: 'todoLists', queryOptions: { top: 15 } },
    channelId: 'msteams',
    serviceUrl,
    from: { id: MEGAN.id, name: MEGAN.name, aadObjectId: MEGAN.aadObjectId },
    conversation: { conversationType: 'personal', tenantId: TENANT, id: personalConversationId(MEGAN) },
    recipient: BOT,
    channelData: { tenant: { id: TENANT } },
  };
}

/** The list names in an answer to that invoke (none when it is not one). */
export function listTitles(text: string): string[] {
  try {
    const body = JSON.parse(text) as { value?: { results?: Array<{ title?: string }> } };
    return (body.value?.results ?? []).map((r) => String(r.title));
  } catch {
    return [];
  }
}
