import { renderCard } from '../cards/render';
import { pendingLimitSentence } from '../jobs/admission';
import { toAppError, userMessage } from '../errors';
import { planAttach, type ChosenFile, type JobTarget, type PlannedFile } from './attach-plan';
import { chosenFiles } from './file-toggles';
import { cardResponse, messageResponse, type InvokeResult } from './invoke';
import { alreadyAttachedView, newTransferJob, plannedJobFile, refusedJobFile } from './job-files';
import { loadPickerChoices } from './picker-choices';
import type { Picker } from './picker-store';
import { pickerView } from './picker-view';
import { noticeCard } from './simple-cards';
import { resolveTarget } from './task-target';
import { transferView } from './transfer-view';
import type { Turn } from './turn';

/**
 * Attach on the chat picker, and the buttons of the card that says files are already on the
 * task ("Attach anyway", "Attach the other N", "Pick another task"). Nothing is uploaded
 * until the user has chosen.
 */

export type PickerVerb = 'attach' | 'attachAnyway' | 'attachOthers' | 'pickAnother';

export interface PickerInput {
  listId: string | undefined;
  taskId: string | undefined;
  newTaskTitle: string | undefined;
  taskSearch: string | undefined;
  /** Every value the card sent (the include toggles `file_<i>` among them). */
  raw: Record<string, unknown>;
}

const STALE = 'This card is out of date or was changed. Send the file again to start over.';
const ALREADY_ATTACHING = 'Your file is already being attached: this card will show the progress in a moment.';

/** Claimed before the first await: two presses (double click, two clients) start one transfer. */
export async function onPickerAttach(turn: Turn, picker: Picker, verb: PickerVerb, input: PickerInput, cardMessageId: string | undefined): Promise<InvokeResult> {
  if (picker.busy) return messageResponse(ALREADY_ATTACHING);
  picker.busy = true;
  try {
    return await attachOnce(turn, picker, verb, input, cardMessageId);
  } catch (err) {
    turn.services.logger.warn({ err: toAppError(err).toLog() }, 'attach failed before the transfer started');
    return cardResponse(noticeCard('Nothing was attached', userMessage(err), 'attention'));
  } finally {
    picker.busy = false;
  }
}

async function attachOnce(turn: Turn, picker: Picker, verb: PickerVerb, input: PickerInput, cardMessageId: string | undefined): Promise<InvokeResult> {
  const { services, requester } = turn;
  if (picker.jobId) {
    // A second press (double click, two clients): show the transfer that already started.
    const existing = services.store.get(picker.jobId);
    if (existing) return cardResponse(renderCard('transfer', transferView(existing, new Map(), { taskUrl: services.taskUrl(existing.target.listId, existing.target.taskId) })));
  }
  const again = async (notice: string | undefined, listId = input.listId, chosenIds?: readonly string[]): Promise<InvokeResult> => {
    const choices = await loadPickerChoices(services, requester, { listId, search: input.taskSearch, notice });
    return cardResponse(renderCard('picker', pickerView(picker, choices, chosenIds)));
  };
  const graph = services.graphFor(requester);
  const signal = AbortSignal.timeout(10_000);
  const files = picker.files.map((offer, i) => ({ id: String(i), offer }));

  if (verb === 'pickAnother') {
    const pending = picker.pending;
    picker.pending = undefined;
    return again('Pick another task, or type a title to create a new one.', pending?.target.listId, pending?.fileIds);
  }
  // Before anything is created in To Do: past the per-user limit nothing starts; the card stays.
  if (!services.admission.hasRoomFor(requester.userId)) return again(pendingLimitSentence(services.admission.maxPendingPerUser), input.listId ?? picker.pending?.target.listId);
  if (verb !== 'attach') {
    // "Attach anyway" / "Attach the other N": what Attach was pressed for, kept server-side.
    const pending = picker.pending;
    if (!pending) return cardResponse(noticeCard('This card cannot be used', STALE, 'attention'));
    const chosen = files.filter((f) => pending.fileIds.includes(f.id)).map((f) => ({ fileId: f.id, offer: f.offer }));
    const plan = await planAttach({ listAttachments: (t, s) => graph.listAttachments(t, s), jobs: services.store.listByUser(requester.userId) }, pending.target, chosen, {
      force: verb === 'attachAnyway',
      newTask: pending.newTask,
      signal,
    });
    if (plan.files.length === 0) return cardResponse(noticeCard('Nothing was attached', 'Every chosen file is already on the task, so nothing was uploaded.'));
    picker.pending = undefined;
    return start(turn, picker, pending.target, plan.files, cardMessageId);
  }

  const chosen = chosenFiles(files, input.raw, 'included');
  if (!chosen) return cardResponse(noticeCard('This card cannot be used', STALE, 'attention'));
  if (chosen.length === 0) return again('Choose at least one file to attach.');
  const resolved = await resolveTarget(graph, input, { suggestions: picker.suggestions, prefer: 'newTask', signal });
  if ('notice' in resolved) return again(resolved.notice, input.listId, chosen.map((c) => c.fileId));
  const plan = await planAttach({ listAttachments: (t, s) => graph.listAttachments(t, s), jobs: services.store.listByUser(requester.userId) }, resolved.target, chosen, {
    newTask: resolved.created,
    signal,
  });
  if (plan.already.length > 0) {
    picker.pending = { target: resolved.target, fileIds: chosen.map((c: ChosenFile) => c.fileId), newTask: resolved.created };
    return cardResponse(renderCard('already-attached', alreadyAttachedView(picker.id, false, resolved.target, plan.already, chosen.length)));
  }
  return start(turn, picker, resolved.target, plan.files, cardMessageId);
}

async function start(turn: Turn, picker: Picker, target: JobTarget, planned: readonly PlannedFile[], cardMessageId: string | undefined): Promise<InvokeResult> {
  // Files that cannot go on the task at all stay on the card with their reason.
  const refused = picker.files.filter((f) => f.refusal !== undefined).map(refusedJobFile);
  const card = { serviceUrl: picker.serviceUrl, conversationId: picker.conversationId, activityId: cardMessageId, reference: picker.reference };
  const job = newTransferJob(turn.requester, target, [...planned.map(plannedJobFile), ...refused], card);
  turn.services.pickers.markUsed(picker.id, job.id);
  await turn.services.runner.submit(job);
  return cardResponse(renderCard('transfer', transferView(job, new Map())));
}
