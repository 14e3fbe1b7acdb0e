import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { newTaskTitleInput, optionalInput } from './card-inputs';
import { renderCard } from '../cards/render';
import { toAppError, userMessage } from '../errors';
import { pendingLimitSentence } from '../jobs/admission';
import type { LinkedResourceInput } from '../graph/types';
import type { FileJob, TransferJob } from '../jobs/job';
import type { DialogFile, DialogOffer } from './dialog-offers';
import { dialogMessage, dialogResponse, dialogView } from './dialog-view';
import type { InvokeResult } from './invoke';
import { firstWords, parseMessagePayload } from './message-payload';
import { probe } from './messages';
import { loadPickerChoices } from './picker-choices';
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
export const LINKED_APPLICATION_NAME = 'To Do Attach';

const FetchTaskValue = z.looseObject({ messagePayload: z.unknown() });

const DialogData = z.looseObject({
  action: z.enum(['attach', 'showTasks']),
  offerId: z.string().uuid(),
  listId: optionalInput,
  taskId: optionalInput,
  newTaskTitle: newTaskTitleInput,
  taskSearch: optionalInput,
  linkToMessage: z.enum(['true', 'false']).optional(),
});
type DialogInput = z.infer<typeof DialogData>;

const SubmitValue = z.looseObject({ data: z.record(z.string(), z.unknown()) });

const FILE_TOGGLE = /^file_(.*)$/;

const TAMPERED = 'This dialog was changed or is out of date. Close it and choose Attach to To Do on the message again.';
const EXPIRED = 'This dialog has expired. Close it and choose Attach to To Do on the message again.';

export async function onFetchTask(turn: Turn, value: unknown): Promise<InvokeResult> {
  const parsedValue = FetchTaskValue.safeParse(value);
  const parsed = parsedValue.success ? parseMessagePayload(parsedValue.data.messagePayload) : undefined;
  if (!parsed) return dialogMessage('I could not read that message. Please try again.');
  const { services, requester } = turn;
  // Sizes from /shares/{id}/driveItem, so files over 25 MB are refused before anything starts;
  // a host outside the allow-list is refused here, before any request.
  const files = await Promise.all(
    parsed.files.map((f): Promise<DialogFile> => (f.kind === 'file' ? probe(turn, f) : Promise.resolve(f))),
  );
  const offer = services.dialogOffers.create({ ownerUserId: requester.userId, ownerName: requester.name, files, message: parsed.message });
  try {
    const notice = parsed.offered > files.length ? `This dialog takes the first ${files.length} of the ${parsed.offered.toLocaleString('en-US')} files; use it again for the others.` : undefined;
    const choices = await loadPickerChoices(services, requester, { notice });
    return dialogResponse(dialogView(offer, choices));
  } catch (err) {
    services.logger.warn({ err: toAppError(err).toLog() }, 'could not load To Do lists for the dialog');
    return dialogMessage(userMessage(err));
  }
}

export async function onSubmitAction(turn: Turn, value: unknown): Promise<InvokeResult> {
  const submit = SubmitValue.safeParse(value);
  const parsed = submit.success ? DialogData.safeParse(submit.data.data) : undefined;
  if (!submit.success || !parsed?.success) return dialogMessage(TAMPERED);
  const data = parsed.data;
  const offer = turn.services.dialogOffers.get(data.offerId);
  if (!offer) return dialogMessage(EXPIRED);
  if (offer.ownerUserId !== turn.requester.userId) return dialogMessage(`Only ${offer.ownerName} can use this dialog.`);
  const chosen = chosenFiles(offer, submit.data.data);
  if (!chosen) return dialogMessage(TAMPERED);
  if (data.action === 'showTasks') return again(turn, offer, data);
  return attach(turn, offer, data, chosen);
}

/** The files whose toggles are on; undefined when a toggle names a file the offer does not have. */
function chosenFiles(offer: DialogOffer, data: Record<string, unknown>): DialogFile[] | undefined {
  const chosen: DialogFile[] = [];
  for (const [key, v] of Object.entries(data)) {
    const m = FILE_TOGGLE.exec(key);
    if (!m) continue;
    const file = offer.files.find((f) => f.id === m[1]);
    if (!file || (v !== 'true' && v !== 'false')) return undefined;
    if (v === 'true') chosen.push(file);
  }
  return chosen;
}

async function again(turn: Turn, offer: DialogOffer, data: DialogInput, notice?: string): Promise<InvokeResult> {
  try {
    const choices = await loadPickerChoices(turn.services, turn.requester, { listId: data.listId, search: data.taskSearch, notice });
    return dialogResponse(dialogView(offer, choices, { newTaskTitle: data.newTaskTitle ?? '', linkBack: data.linkToMessage !== 'false' }));
  } catch (err) {
    return dialogMessage(userMessage(err));
  }
}

/** Claimed before the first await: two submits of one dialog start one transfer. */
async function attach(turn: Turn, offer: DialogOffer, data: DialogInput, chosen: DialogFile[]): Promise<InvokeResult> {
  if (offer.busy) return dialogMessage('These files are already being attached. Follow the progress in your chat with me.');
  offer.busy = true;
  try {
    return await attachOnce(turn, offer, data, chosen);
  } finally {
    offer.busy = false;
  }
}

async function attachOnce(turn: Turn, offer: DialogOffer, data: DialogInput, chosen: DialogFile[]): Promise<InvokeResult> {
  const { services, requester } = turn;
  if (offer.jobId) return dialogMessage('These files are already being attached. Follow the progress in your chat with me.');
  if (offer.doneText) return dialogMessage(offer.doneText);
  const attachable = chosen.filter((f) => f.refusal === undefined);
  const refused = chosen.find((f) => f.refusal !== undefined);
  if (refused && attachable.length === 0) return dialogMessage(refused.refusal ?? TAMPERED);
  if (!data.listId) return again(turn, offer, data, 'Pick a list first.');
  // Before anything is created in To Do: past the per-user limit nothing starts.
  if (attachable.length > 0 && !services.admission.hasRoomFor(requester.userId)) return again(turn, offer, data, pendingLimitSentence(services.admission.maxPendingPerUser));
  const link = data.linkToMessage === 'true' ? linkedResourceFor(offer) : undefined;
  try {
    const graph = services.graphFor(requester);
    const signal = AbortSignal.timeout(10_000);
    const lists = await graph.listTaskLists({ limit: 200 }, signal);
    const list = lists.find((l) => l.id === data.listId);
    if (!list) return await again(turn, offer, data, 'That list no longer exists. Pick another one.');
    let task: { id: string; title: string };
    let created = false;
    if (data.taskId) {
      try {
        task = await graph.getTask(list.id, data.taskId, signal);
      } catch (err) {
        if (toAppError(err).status === 404) return await again(turn, offer, data, 'That task is not in the chosen list any more. Pick another one.');
        throw err;
      }
      if (link) await graph.addLinkedResource(list.id, task.id, link, signal);
    } else if (data.newTaskTitle) {
      task = await graph.createTask(list.id, data.newTaskTitle, link ? { linkedResources: [link] } : {}, signal);
      created = true;
    } else {
      return await again(turn, offer, data, 'Pick a task, or type a title to create a new one.');
    }
    const target: TransferJob['target'] = { listId: list.id, listName: list.displayName, taskId: task.id, taskTitle: task.title };
    if (attachable.length === 0) {
      offer.doneText = doneSentence(target, created, link !== undefined);
      return dialogMessage(offer.doneText);
    }
    const job = newJob(turn, attachable, target);
    const shown = await turn.openPersonalChat(renderCard('transfer', transferView(job, new Map())));
    const started: TransferJob = { ...job, card: { serviceUrl: shown.serviceUrl, conversationId: shown.conversationId, activityId: shown.activityId, reference: shown.reference } };
    offer.jobId = started.id;
    await services.runner.submit(started);
    // Answered at once with a sentence (Teams shows it in the dialog; so does the Agents
    // Playground, which rejects an empty answer); progress continues in the 1:1 chat.
    return dialogMessage(startedSentence(attachable.length, target.taskTitle));
  } catch (err) {
    services.logger.warn({ err: toAppError(err).toLog() }, 'message extension attach failed before the transfer started');
    return dialogMessage(userMessage(err));
  }
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

function newJob(turn: Turn, files: DialogFile[], target: TransferJob['target']): TransferJob {
  const now = new Date().toISOString();
  const jobFiles: FileJob[] = files.map((f) => ({ name: f.name, contentType: f.contentType, size: f.size, source: f.source, state: 'queued', bytesDone: 0 }));
  return {
    version: 1,
    id: randomUUID().replace(/-/g, ''),
    userId: turn.requester.userId,
    aadObjectId: turn.requester.aadObjectId,
    tenantId: turn.requester.tenantId,
    // Replaced by the 1:1 chat's card once it is posted.
    card: { serviceUrl: turn.requester.serviceUrl, conversationId: '', reference: {} },
    target,
    files: jobFiles,
    state: 'running',
    createdAt: now,
    updatedAt: now,
  };
}

function startedSentence(files: number, taskTitle: string): string {
  const what = files === 1 ? 'the file' : `${files} files`;
  return `Attaching ${what} to “${taskTitle}”. Follow the progress in your chat with me.`;
}
