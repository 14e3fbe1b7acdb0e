import { formatBytes } from '../cards/format';
import { renderCard } from '../cards/render';
import type { AttachDialogCardData } from '../cards/view-models';
import type { DialogOffer } from './dialog-offers';
import type { InvokeResult } from './invoke';
import { firstLine } from './message-payload';
import type { PickerChoices } from './picker-view';

const PREVIEW_CHARS = 300;

export function dialogView(offer: DialogOffer, choices: PickerChoices, options: { newTaskTitle?: string; linkBack?: boolean } = {}): AttachDialogCardData {
  const text = offer.message.text;
  return {
    offerId: offer.id,
    files: offer.files.map((f) => ({
      id: f.id,
      name: f.name,
      sizeText: f.size === undefined ? '' : formatBytes(f.size),
      kind: f.kind,
      refused: f.refusal !== undefined,
      note: f.refusal,
    })),
    lists: choices.lists.map((l) => ({ title: l.displayName, value: l.id })),
    selectedListId: choices.selectedListId,
    tasks: choices.tasks.map((t) => ({ title: t.title, value: t.id })),
    defaultNewTaskTitle: options.newTaskTitle ?? firstLine(text),
    messagePreview: text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS - 1).trimEnd()}…`,
    canLinkBack: offer.message.link !== undefined,
    linkBackDefault: offer.message.link !== undefined && (options.linkBack ?? true),
    notice: choices.notice,
    typeahead: choices.typeahead,
  };
}

/** `{ task: { type: 'continue' } }`: (re)shows the dialog. */
export function dialogResponse(data: AttachDialogCardData): InvokeResult {
  const card = renderCard('attach-dialog', data);
  return {
    status: 200,
    body: {
      task: {
        type: 'continue',
        value: { title: 'Attach to To Do', width: 'medium', height: 'large', card: { contentType: 'application/vnd.microsoft.card.adaptive', content: card } },
      },
    },
  };
}

/** `{ task: { type: 'message' } }`: a sentence in the dialog. */
export function dialogMessage(text: string): InvokeResult {
  return { status: 200, body: { task: { type: 'message', value: text } } };
}

