import { MAX_ATTACHMENT_BYTES, fileTooLargeError, toAppError, userMessage } from '../errors';
import { FILE_MESSAGE_LIMIT_SENTENCE } from '../jobs/admission';
import { renderCard, type AdaptiveCardJson } from '../cards/render';
import { isSharedConversation, replyPrivately } from './conversation-privacy';
import { fileOffersFromAttachments, shareOffersFromAttachments, unreadableReason, type FileOffer } from './file-offers';
import { MAX_FILES_PER_CARD } from './limits';
import { openingChoices } from './ranked-choices';
import { settle } from './settle';
import { rankingContext } from './suggestions';
import { pickerView } from './picker-view';
import { helpCard, noticeCard, statusCard } from './simple-cards';
import type { Turn } from './turn';

export { MAX_FILES_PER_CARD } from './limits';

/** How long to spend learning file sizes before showing the picker (Teams gives none). */
const SIZE_PROBE_MS = 3000;

export async function onMessage(
  turn: Turn,
  text: string,
  attachments: readonly unknown[] | undefined,
  options: { mentioned?: boolean } = {},
): Promise<void> {
  // In group chats and channels the bot speaks only when @mentioned (RSC could deliver every message).
  if (turn.requester.conversationType !== 'personal' && options.mentioned === false) return;
  // 1:1 chats carry file.download.info; group chats and channels carry SharePoint `reference`s.
  const offers = [...fileOffersFromAttachments(attachments), ...shareOffersFromAttachments(attachments)];
  if (offers.length > 0) {
    // Past the per-user rate nothing is probed or asked of To Do; the user is told once a minute.
    const verdict = turn.services.admission.takeFileMessage(turn.requester.userId);
    if (verdict === 'tell') await replyPrivately(turn, noticeCard('One moment, please', FILE_MESSAGE_LIMIT_SENTENCE), 'I answered you in our 1:1 chat.');
    if (verdict !== 'ok') return;
    return offerFiles(turn, offers.slice(0, MAX_FILES_PER_CARD), offers.length, text);
  }
  const unreadable = unreadableReason(attachments);
  if (unreadable !== undefined) {
    await turn.replyCard(noticeCard('I could not read that file', unreadable, 'attention'));
    return;
  }
  const command = text.trim().toLowerCase().replace(/^\//, '');
  if (command === 'status') return showStatus(turn);
  if (command === 'cancel') return cancelAll(turn);
  await turn.replyCard(helpCard());
}

async function offerFiles(turn: Turn, offers: FileOffer[], offered: number, messageText: string): Promise<void> {
  const { services, requester } = turn;
  const notice = offered > offers.length ? `This card takes the first ${offers.length} of the ${offered} files; send the others in another message.` : undefined;
  // Ranked against the file names, the message and the chat or channel the file came from;
  // fetched while the sizes are probed.
  const context = rankingContext(offers.map((o) => o.name), messageText, requester.conversationName);
  const loading = settle(openingChoices(services, requester, context, notice));
  const probed = await Promise.all(offers.map((o) => probe(turn, o)));
  const loaded = await loading;
  const picker = services.pickers.create({
    ownerUserId: requester.userId,
    ownerName: requester.name,
    files: probed,
    reference: turn.reference,
    serviceUrl: requester.serviceUrl,
    conversationId: requester.conversationId,
    ...(loaded.ok ? { suggestions: loaded.value.suggested.suggestions } : {}),
  });
  let card: AdaptiveCardJson;
  if (loaded.ok) {
    card = renderCard('picker', pickerView(picker, loaded.value.choices));
  } else {
    services.logger.warn({ err: toAppError(loaded.error).toLog() }, 'could not load To Do lists for the picker');
    card = noticeCard('Microsoft To Do is not reachable', userMessage(loaded.error), 'attention');
  }
  // The picker lists this user's To Do: in a channel or group chat it goes to their 1:1 chat,
  // and the transfer card it becomes lives there too.
  const shown = await replyPrivately(turn, card, 'I sent you a card in our 1:1 chat to choose where the file goes.');
  if (shown && shown.conversationId !== requester.conversationId) {
    picker.reference = shown.reference;
    picker.serviceUrl = shown.serviceUrl;
    picker.conversationId = shown.conversationId;
  }
}

/** Size from the host's Content-Length, so files over 25 MB are refused before anything starts. */
export async function probe<T extends FileOffer>(turn: Turn, offer: T): Promise<T> {
  try {
    const size = await turn.services.probeSize(offer.source, AbortSignal.timeout(SIZE_PROBE_MS), turn.requester);
    if (size !== undefined && size > MAX_ATTACHMENT_BYTES) {
      // Too large for To Do: a file with a durable home can go on the task as a link instead.
      if (offer.webUrl !== undefined && turn.services.isDurableLocation(offer.webUrl)) return { ...offer, size, linkOnly: true };
      return { ...offer, size, refusal: fileTooLargeError(offer.name, size).message };
    }
    return { ...offer, size };
  } catch (raw) {
    const err = toAppError(raw);
    // A slow host is not a refusal: the size is checked again when the transfer starts.
    if (err.code === 'CANCELLED' || err.code === 'INTERNAL' || err.retryable) return offer;
    return { ...offer, refusal: userMessage(err, offer.name) };
  }
}

async function showStatus(turn: Turn): Promise<void> {
  const jobs = turn.services.store.listByUser(turn.requester.userId);
  await replyPrivately(turn, statusCard(jobs), 'I sent your transfers to our 1:1 chat.');
}

async function cancelAll(turn: Turn): Promise<void> {
  const running = turn.services.store.listByUser(turn.requester.userId).filter((j) => j.state === 'running' || j.state === 'waiting-sign-in');
  let n = 0;
  for (const job of running) if (turn.services.runner.cancel(job.id)) n++;
  const text = n === 0 ? 'You have no transfers running.' : n === 1 ? 'Cancelling your transfer.' : `Cancelling your ${n} transfers.`;
  if (!isSharedConversation(turn.requester)) await turn.replyText(text);
  else await replyPrivately(turn, noticeCard('Cancel', text), 'I answered you in our 1:1 chat.');
}

