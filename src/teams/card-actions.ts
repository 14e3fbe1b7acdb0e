import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { newTaskTitleInput, optionalInput } from './card-inputs';
import { renderCard } from '../cards/render';
import { toAppError, userMessage } from '../errors';
import { pendingLimitSentence } from '../jobs/admission';
import type { FileJob, TransferJob } from '../jobs/job';
import { cardResponse, messageResponse, type InvokeResult } from './invoke';
import { loadPickerChoices } from './picker-choices';
import type { Picker } from './picker-store';
import { pickerView } from './picker-view';
import { noticeCard } from './simple-cards';
import { transferView } from './transfer-view';
import type { Turn } from './turn';

const PickerData = z.object({
  pickerId: z.string().uuid(),
  listId: optionalInput,
  taskId: optionalInput,
  newTaskTitle: newTaskTitleInput,
  taskSearch: optionalInput,
});

const TransferData = z.object({ transferId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/) });

const STALE = 'This card is out of date or was changed. Send the file again to start over.';

/** `adaptiveCard/action`: one function per verb; every card's data is validated first. */
export async function onCardAction(turn: Turn, verb: string, data: unknown, cardMessageId: string | undefined): Promise<InvokeResult> {
  switch (verb) {
    case 'attach':
    case 'showTasks':
    case 'dismiss': {
      const parsed = PickerData.safeParse(data);
      if (!parsed.success) return cardResponse(noticeCard('This card cannot be used', STALE, 'attention'));
      const picker = turn.services.pickers.get(parsed.data.pickerId);
      if (!picker) return cardResponse(noticeCard('This card has expired', 'Send the file to me again to attach it.', 'attention'));
      if (picker.ownerUserId !== turn.requester.userId) return refuse(picker.ownerName);
      if (verb === 'dismiss') {
        turn.services.pickers.delete(picker.id);
        return cardResponse(noticeCard('Nothing was attached', 'You closed this card. Send the file again whenever you want to attach it.'));
      }
      if (verb === 'showTasks') return showTasks(turn, picker, parsed.data);
      return attach(turn, picker, parsed.data, cardMessageId);
    }
    case 'cancel':
    case 'retry': {
      const parsed = TransferData.safeParse(data);
      const job = parsed.success ? turn.services.store.get(parsed.data.transferId) : undefined;
      if (!job) return cardResponse(noticeCard('This card cannot be used', STALE, 'attention'));
      if (job.userId !== turn.requester.userId) return refuse(ownerName(job));
      return verb === 'cancel' ? cancel(turn, job) : retry(turn, job);
    }
    default:
      return messageResponse('That button is not something I know how to handle. Send me a file to start again.');
  }
}

function refuse(owner: string): InvokeResult {
  return messageResponse(`Only ${owner} can use this card.`);
}

function ownerName(job: TransferJob): string {
  const name = job.card.reference['user'];
  return typeof name === 'object' && name !== null && typeof (name as { name?: unknown }).name === 'string'
    ? (name as { name: string }).name
    : 'the person who sent the file';
}

async function showTasks(turn: Turn, picker: Picker, data: z.infer<typeof PickerData>): Promise<InvokeResult> {
  try {
    const choices = await loadPickerChoices(turn.services, turn.requester, { listId: data.listId, search: data.taskSearch });
    return cardResponse(renderCard('picker', pickerView(picker, choices)));
  } catch (err) {
    return cardResponse(noticeCard('Microsoft To Do is not reachable', userMessage(err), 'attention'));
  }
}

const ALREADY_ATTACHING = 'Your file is already being attached: this card will show the progress in a moment.';

/** Claimed before the first await: two presses (double click, two clients) start one transfer. */
async function attach(turn: Turn, picker: Picker, data: z.infer<typeof PickerData>, cardMessageId: string | undefined): Promise<InvokeResult> {
  if (picker.busy) return messageResponse(ALREADY_ATTACHING);
  picker.busy = true;
  try {
    return await attachOnce(turn, picker, data, cardMessageId);
  } finally {
    picker.busy = false;
  }
}

async function attachOnce(turn: Turn, picker: Picker, data: z.infer<typeof PickerData>, cardMessageId: string | undefined): Promise<InvokeResult> {
  const { services, requester } = turn;
  if (picker.jobId) {
    // A second press (double click, two clients): show the transfer that already started.
    const existing = services.store.get(picker.jobId);
    if (existing) return cardResponse(renderCard('transfer', transferView(existing, new Map(), { taskUrl: taskLink(turn, existing) })));
  }
  const again = async (notice: string): Promise<InvokeResult> => {
    const choices = await loadPickerChoices(services, requester, { listId: data.listId, search: data.taskSearch, notice });
    return cardResponse(renderCard('picker', pickerView(picker, choices)));
  };
  try {
    if (!data.listId) return await again('Pick a list first.');
    // Before anything is created in To Do: past the per-user limit nothing starts.
    if (!services.admission.hasRoomFor(requester.userId)) return await again(pendingLimitSentence(services.admission.maxPendingPerUser));
    const graph = services.graphFor(requester);
    const signal = AbortSignal.timeout(10_000);
    const lists = await graph.listTaskLists({ limit: 200 }, signal);
    const list = lists.find((l) => l.id === data.listId);
    if (!list) return await again('That list no longer exists. Pick another one.');
    let task: { id: string; title: string };
    if (data.newTaskTitle) {
      task = await graph.createTask(list.id, data.newTaskTitle, {}, signal);
    } else if (data.taskId) {
      try {
        task = await graph.getTask(list.id, data.taskId, signal);
      } catch (err) {
        if (toAppError(err).status === 404) return await again('That task is not in the chosen list any more. Pick another one.');
        throw err;
      }
    } else {
      return await again('Pick a task, or type a title to create a new one.');
    }
    const job = newJob(turn, picker, { listId: list.id, listName: list.displayName, taskId: task.id, taskTitle: task.title }, cardMessageId);
    services.pickers.markUsed(picker.id, job.id);
    await services.runner.submit(job);
    return cardResponse(renderCard('transfer', transferView(job, new Map())));
  } catch (err) {
    services.logger.warn({ err: toAppError(err).toLog() }, 'attach failed before the transfer started');
    return cardResponse(noticeCard('Nothing was attached', userMessage(err), 'attention'));
  }
}

function newJob(turn: Turn, picker: Picker, target: TransferJob['target'], cardMessageId: string | undefined): TransferJob {
  const now = new Date().toISOString();
  const files: FileJob[] = picker.files.map((f) => ({
    name: f.name,
    contentType: f.contentType,
    size: f.size,
    source: f.source,
    state: f.refusal ? 'refused' : 'queued',
    bytesDone: 0,
    error: f.refusal ? { code: 'REFUSED', message: f.refusal } : undefined,
  }));
  return {
    version: 1,
    id: randomUUID().replace(/-/g, ''),
    userId: turn.requester.userId,
    aadObjectId: turn.requester.aadObjectId,
    tenantId: turn.requester.tenantId,
    card: { serviceUrl: picker.serviceUrl, conversationId: picker.conversationId, activityId: cardMessageId, reference: picker.reference },
    target,
    files,
    state: 'running',
    createdAt: now,
    updatedAt: now,
  };
}

function cancel(turn: Turn, job: TransferJob): InvokeResult {
  const cancelling = turn.services.runner.cancel(job.id);
  const current = turn.services.store.get(job.id) ?? job;
  return cardResponse(renderCard('transfer', transferView(current, new Map(), { cancelling, taskUrl: taskLink(turn, current) })));
}

async function retry(turn: Turn, job: TransferJob): Promise<InvokeResult> {
  const next = await turn.services.runner.retry(job.id);
  const shown = next ?? turn.services.store.get(job.id) ?? job;
  return cardResponse(renderCard('transfer', transferView(shown, new Map(), { taskUrl: taskLink(turn, shown) })));
}

function taskLink(turn: Turn, job: TransferJob): string {
  return turn.services.taskUrl(job.target.listId, job.target.taskId);
}
