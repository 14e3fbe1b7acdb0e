import { formatBytes } from '../cards/format';
import type { HostedFile } from '../emulators/file-host';
import type { ActivityTemplate, PlaygroundIds } from './playground-api';

/**
 * Builds what Teams itself would send when a user shares a file, for the Playground to forward
 * (see /work/shared/reference/activities/personal-file-message.json): a 1:1 message with a
 * `file.download.info` attachment whose `downloadUrl` is pre-authorized and carries no size.
 */

export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

function fileType(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/**
 * The file's stand-in for a SharePoint address: on the file host's origin (so the bot's
 * download allow-list accepts it) but without the tempauth secret. It is only a name: Graph's
 * `/shares` resolves it once the file is registered with `graph.addSharedFile`.
 */
export function sharedFileAddress(file: Pick<HostedFile, 'id' | 'name' | 'url'>): string {
  return `${new URL(file.url).origin}/files/${encodeURIComponent(file.id)}/${encodeURIComponent(file.name)}`;
}

/** A personal-chat message carrying one file, ready for `POST /_internal/v1/customActivities`. */
export function personalFileMessage(template: ActivityTemplate, ids: PlaygroundIds, file: Pick<HostedFile, 'id' | 'name' | 'url'>): Record<string, unknown> {
  const tenantId = template.conversation.tenantId ?? ids.tenantId;
  return {
    ...template,
    type: 'message',
    // Teams message ids are numeric strings (epoch milliseconds).
    id: String(Date.now()),
    timestamp: new Date().toISOString(),
    textFormat: 'plain',
    text: '',
    from: { ...template.from, name: ids.user.name, aadObjectId: ids.user.aadObjectId ?? template.from['aadObjectId'] },
    recipient: { ...template.recipient, name: ids.bot.name },
    attachments: [
      {
        contentType: FILE_DOWNLOAD_INFO,
        // In Teams this is the file's SharePoint address; the bot reads only downloadUrl.
        contentUrl: sharedFileAddress(file),
        name: file.name,
        content: { downloadUrl: file.url, uniqueId: file.id, fileType: fileType(file.name) },
      },
    ],
    entities: [{ type: 'clientInfo', locale: 'en-US', platform: 'Web' }],
    channelData: { tenant: { id: tenantId } },
    locale: 'en-US',
  };
}

/**
 * A channel post with a file, the way a message action sees it in Teams: the file is a
 * `reference` attachment (a SharePoint address without a secret, read through Graph `/shares`),
 * never a download URL. The Playground renders `reference` as "not supported yet" but shows
 * the post with its "…" menu, where the message action is. It also passes attachments to a
 * message action as `{id, contentType, content: JSON text of content}` only, so `content`
 * repeats name and address (src/teams/message-payload.ts reads them from there). The caller
 * registers the address with the Graph emulator (`addSharedFile`) so `/shares` resolves it.
 */
export function channelFilePost(ids: PlaygroundIds, file: Pick<HostedFile, 'id' | 'name' | 'url' | 'size'>): Record<string, unknown> {
  const contentUrl = sharedFileAddress(file);
  return {
    type: 'message',
    from: { id: ids.bot.id, name: ids.bot.name },
    // A line naming the file, so posts can be told apart (the Playground shows the file itself
    // only as "reference is not supported yet"). It shows text and each attachment as bubbles
    // of their own, one under the other: the "…" menu with the message action is on the file's.
    textFormat: 'plain',
    text: `📎 ${file.name} (${formatBytes(file.size)}). To attach it to a task: “…” on the file below → Attach to To Do.`,
    attachments: [{ id: file.id, contentType: 'reference', contentUrl, name: file.name, content: { name: file.name, contentUrl } }],
  };
}
