import { z } from 'zod';
import { newTaskTitleInput, optionalInput } from './card-inputs';
import { renderCard } from '../cards/render';
import { userMessage } from '../errors';
import type { TransferJob } from '../jobs/job';
import { cardResponse, messageResponse, type InvokeResult } from './invoke';
import { loadPickerChoices } from './picker-choices';
import type { Picker } from './picker-store';
import { pickerView } from './picker-view';
import { noticeCard } from './simple-cards';
import { chosenFiles } from './file-toggles';
import { onPickerAttach } from './picker-attach';
import { transferView } from './transfer-view';
import type { Turn } from './turn';

const PickerData = z.looseObject({
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
    case 'attachAnyway':
    case 'attachOthers':
    case 'pickAnother':
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
      const { listId, taskId, newTaskTitle, taskSearch } = parsed.data;
      return onPickerAttach(turn, picker, verb, { listId, taskId, newTaskTitle, taskSearch, raw: parsed.data }, cardMessageId);
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
    // The card comes back with the files as the user left them.
    const chosen = chosenFiles(picker.files.map((offer, i) => ({ id: String(i), offer })), data, 'included');
    return cardResponse(renderCard('picker', pickerView(picker, choices, chosen?.map((c) => c.fileId))));
  } catch (err) {
    return cardResponse(noticeCard('Microsoft To Do is not reachable', userMessage(err), 'attention'));
  }
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
