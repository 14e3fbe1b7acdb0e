import { z } from 'zod';
import { pendingLimitSentence } from '../jobs/admission';
import { newTaskTitleInput, optionalInput } from './card-inputs';
import { renderCard } from '../cards/render';
import { toAppError, userMessage } from '../errors';
import type { TaskRef } from '../graph/client';
import type { LinkedResourceInput } from '../graph/types';
import type { TransferJob } from '../jobs/job';
import { LINK_APPLICATION_NAME } from '../jobs/link-file';
import { planAttach, type ChosenFile, type JobTarget, type PlannedFile } from './attach-plan';
import type { DialogFile, DialogOffer } from './dialog-offers';
import { dialogCardResponse, dialogMessage, dialogResponse, dialogView } from './dialog-view';
import { chosenFiles } from './file-toggles';
import type { InvokeResult } from './invoke';
import { alreadyAttachedView, newTransferJob, plannedJobFile } from './job-files';
import { firstLine, firstWords, parseMessagePayload } from './message-payload';
import { probe } from './messages';
import { loadPickerChoices } from './picker-choices';
import { openingChoices } from './ranked-choices';
import { settle } from './settle';
import { rankingContext } from './suggestions';
import { resolveTarget } from './task-target';
import { transferView } from './transfer-view';
import type { Turn } from './turn';

/**
 * The message action "Attach to To Do" (manifest command `attachToTodo`):
 * `composeExtension/fetchTask` opens the dialog for the message, `composeExtension/submitAction`
 * receives its submits. The transfer runs as one job; its progress card goes to the user's
 * 1:1 chat with the bot.
 *
 * Task rule (the dialog prefills a new-task title): a chosen `taskId` wins; without one, a task
 * titled `newTaskTitle` is created.
 */

/** The name To Do shows on the link back to the message. */
export const LINKED_APPLICATION_NAME = LINK_APPLICATION_NAME;

const FetchTaskValue = z.looseObject({ messagePayload: z.unknown() });

const DialogData = z.looseObject({
  action: z.enum(['attach', 'showTasks', 'attachAnyway', 'attachOthers', 'pickAnother']),
  offerId: z.string().uuid(),
  listId: optionalInput,
  taskId: optionalInput,
  newTaskTitle: newTaskTitleInput,
  taskSearch: optionalInput,
  linkToMessage: z.enum(['true', 'false']).optional(),
});
type DialogInput = z.infer<typeof DialogData>;

const SubmitValue = z.looseObject({ data: z.record(z.string(), z.unknown()) });

const TAMPERED = 'This dialog was changed or is out of date. Close it and choose Attach to To Do on the message again.';
const EXPIRED = 'This dialog has expired. Close it and choose Attach to To Do on the message again.';

export async function onFetchTask(turn: Turn, value: unknown): Promise<InvokeResult> {
  const parsedValue = FetchTaskValue.safeParse(value);
  const parsed = parsedValue.success ? parseMessagePayload(parsedValue.data.messagePayload) : undefined;
  if (!parsed) return dialogMessage('I could not read that message. Please try again.');
  const { services, requester } = turn;
  const notice = parsed.offered > parsed.files.length ? `This dialog takes the first ${parsed.files.length} of the ${parsed.offered.toLocaleString('en-US')} files; use it again for the others.` : undefined;
  // Ranked against the files' names (not the names we give pasted images), the message and the
  // chat or channel, while the sizes are probed.
  const names = parsed.files.filter((f) => f.kind === 'file').map((f) => f.name);
  const loading = settle(openingChoices(services, requester, rankingContext(names, parsed.message.text, requester.conversationName), notice));
  // Sizes from /shares/{id}/driveItem, so files over 25 MB are refused (or offered as a link)
  // before anything starts; a host outside the allow-list is refused here, before any request.
  const files = await Promise.all(
    parsed.files.map((f): Promise<DialogFile> => (f.kind === 'file' ? probe(turn, f) : Promise.resolve(f))),
  );
  const loaded = await loading;
  if (!loaded.ok) {
    services.logger.warn({ err: toAppError(loaded.error).toLog() }, 'could not load To Do lists for the dialog');
    return dialogMessage(userMessage(loaded.error));
  }
  const offer = services.dialogOffers.create({
    ownerUserId: requester.userId,
    ownerName: requester.name,
    files,
    message: parsed.message,
    suggestions: loaded.value.suggested.suggestions,
  });
  return dialogResponse(dialogView(offer, loaded.value.choices));
}

export async function onSubmitAction(turn: Turn, value: unknown): Promise<InvokeResult> {
  const submit = SubmitValue.safeParse(value);
  const parsed = submit.success ? DialogData.safeParse(submit.data.data) : undefined;
  if (!submit.success || !parsed?.success) return dialogMessage(TAMPERED);
  const data = parsed.data;
  const offer = turn.services.dialogOffers.get(data.offerId);
  if (!offer) return dialogMessage(EXPIRED);
  if (offer.ownerUserId !== turn.requester.userId) return dialogMessage(`Only ${offer.ownerName} can use this dialog.`);
  const chosen = chosenFiles(offer.files.map((f) => ({ id: f.id, offer: f })), submit.data.data, 'left-out');
  if (!chosen) return dialogMessage(TAMPERED);
  // The dialog comes back with the files as the user left them.
  if (data.action === 'showTasks') return again(turn, offer, data, undefined, chosen.map((c) => c.fileId));
  return attach(turn, offer, data, chosen, submit.data.data);
}

async function again(turn: Turn, offer: DialogOffer, data: DialogInput, notice?: string, chosenIds?: readonly string[]): Promise<InvokeResult> {
  try {
    const choices = await loadPickerChoices(turn.services, turn.requester, { listId: data.listId, search: data.taskSearch, notice });
    return dialogResponse(dialogView(offer, choices, { newTaskTitle: data.newTaskTitle ?? '', linkBack: data.linkToMessage !== 'false', chosenIds }));
  } catch (err) {
    return dialogMessage(userMessage(err));
  }
}

/** Claimed before the first await: two submits of one dialog start one transfer. */
async function attach(turn: Turn, offer: DialogOffer, data: DialogInput, chosen: ChosenFile[], raw: Record<string, unknown>): Promise<InvokeResult> {
  if (offer.busy) return dialogMessage('These files are already being attached. Follow the progress in your chat with me.');
  offer.busy = true;
  try {
    return await attachOnce(turn, offer, data, chosen, raw);
  } catch (err) {
    turn.services.logger.warn({ err: toAppError(err).toLog() }, 'message extension attach failed before the transfer started');
    return dialogMessage(userMessage(err));
  } finally {
    offer.busy = false;
  }
}

async function attachOnce(turn: Turn, offer: DialogOffer, data: DialogInput, chosen: ChosenFile[], raw: Record<string, unknown>): Promise<InvokeResult> {
  const { services, requester } = turn;
  if (offer.jobId) return dialogMessage('These files are already being attached. Follow the progress in your chat with me.');
  if (offer.doneText) return dialogMessage(offer.doneText);
  const graph = services.graphFor(requester);
  const signal = AbortSignal.timeout(10_000);
  const deps = { listAttachments: (t: TaskRef, s: AbortSignal) => graph.listAttachments(t, s), jobs: services.store.listByUser(requester.userId) };

  if (data.action === 'pickAnother') {
    const pending = offer.pending;
    offer.pending = undefined;
    const back: DialogInput = { ...data, listId: pending?.target.listId, newTaskTitle: firstLine(offer.message.text), linkToMessage: pending && !pending.linkToMessage ? 'false' : undefined };
    return again(turn, offer, back, 'Pick another task, or type a title to create a new one.', pending?.fileIds);
  }
  // Before anything is created in To Do: past the per-user limit no transfer starts (a link alone still may).
  const startsTransfer = data.action === 'attachAnyway' || data.action === 'attachOthers' || chosen.length > 0;
  if (startsTransfer && !services.admission.hasRoomFor(requester.userId)) {
    return again(turn, offer, data, pendingLimitSentence(services.admission.maxPendingPerUser), chosen.map((c) => c.fileId));
  }
  if (data.action === 'attachAnyway' || data.action === 'attachOthers') {
    // What Attach was submitted for, kept server-side (this card has no inputs).
    const pending = offer.pending;
    if (!pending) return dialogMessage(TAMPERED);
    const chosenBefore = offer.files.filter((f) => pending.fileIds.includes(f.id)).map((f) => ({ fileId: f.id, offer: f }));
    const plan = await planAttach(deps, pending.target, chosenBefore, { force: data.action === 'attachAnyway', newTask: pending.newTask, signal });
    if (plan.files.length === 0) return dialogMessage('Every chosen file is already on the task, so nothing was uploaded.');
    offer.pending = undefined;
    return start(turn, offer, pending.target, plan.files, pending.linkToMessage ? linkedResourceFor(offer) : undefined);
  }

  // A file the user switched on that cannot go on the task: say why rather than do nothing.
  const refused = offer.files.find((f) => f.refusal !== undefined && raw[`file_${f.id}`] === 'true');
  if (refused && chosen.length === 0) return dialogMessage(refused.refusal ?? TAMPERED);
  const link = data.linkToMessage === 'true' ? linkedResourceFor(offer) : undefined;
  const resolved = await resolveTarget(graph, data, { suggestions: offer.suggestions, prefer: 'task', newTaskLinks: link ? [link] : undefined, signal });
  if ('notice' in resolved) return again(turn, offer, data, resolved.notice, chosen.map((c) => c.fileId));
  const { target, created } = resolved;
  // A new task got the message link when it was created.
  const linkLater = created ? undefined : link;
  if (chosen.length === 0) {
    if (linkLater) await graph.addLinkedResource(target.listId, target.taskId, linkLater, signal);
    offer.doneText = doneSentence(target, created, link !== undefined);
    return dialogMessage(offer.doneText);
  }
  const plan = await planAttach(deps, target, chosen, { newTask: created, signal });
  if (plan.already.length > 0) {
    offer.pending = { target, fileIds: chosen.map((c) => c.fileId), linkToMessage: linkLater !== undefined, newTask: created };
    return dialogCardResponse(renderCard('already-attached', alreadyAttachedView(offer.id, true, target, plan.already, chosen.length)));
  }
  return start(turn, offer, target, plan.files, linkLater);
}

async function start(turn: Turn, offer: DialogOffer, target: JobTarget, planned: readonly PlannedFile[], messageLink: LinkedResourceInput | undefined): Promise<InvokeResult> {
  const { services, requester } = turn;
  if (messageLink) await services.graphFor(requester).addLinkedResource(target.listId, target.taskId, messageLink, AbortSignal.timeout(10_000));
  // The card's place is known once it is posted in the 1:1 chat.
  const job = newTransferJob(requester, target, planned.map(plannedJobFile), { serviceUrl: requester.serviceUrl, conversationId: '', reference: {} });
  const shown = await turn.openPersonalChat(renderCard('transfer', transferView(job, new Map())));
  const started: TransferJob = { ...job, card: { serviceUrl: shown.serviceUrl, conversationId: shown.conversationId, activityId: shown.activityId, reference: shown.reference } };
  offer.jobId = started.id;
  await services.runner.submit(started);
  // Answered at once with a sentence (Teams shows it in the dialog; so does the Agents
  // Playground, which rejects an empty answer); progress continues in the 1:1 chat.
  return dialogMessage(startedSentence(planned, target.taskTitle));
}

function linkedResourceFor(offer: DialogOffer): LinkedResourceInput | undefined {
  const { link, text, id } = offer.message;
  if (!link) return undefined;
  return { webUrl: link, applicationName: LINKED_APPLICATION_NAME, displayName: firstWords(text) || 'Teams message', externalId: id };
}

function doneSentence(target: TransferJob['target'], created: boolean, linked: boolean): string {
  const where = `“${target.taskTitle}” in ${target.listName}`;
  if (created) return linked ? `Created ${where}, linked to the message.` : `Created ${where}.`;
  return linked ? `Linked the message to ${where}.` : `Nothing to attach: ${where} is unchanged.`;
}

function startedSentence(planned: readonly PlannedFile[], taskTitle: string): string {
  const links = planned.filter((p) => p.offer.linkOnly).length;
  const uploads = planned.length - links;
  const what = uploads === 0 ? (links === 1 ? 'a link to the file' : `links to ${links} files`) : uploads === 1 && links === 0 ? 'the file' : `${planned.length} files`;
  const verb = uploads === 0 ? 'Adding' : 'Attaching';
  return `${verb} ${what} to “${taskTitle}”. Follow the progress in your chat with me.`;
}
