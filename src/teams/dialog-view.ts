import { renderCard, type AdaptiveCardJson } from '../cards/render';
import type { AttachDialogCardData } from '../cards/view-models';
import type { DialogOffer } from './dialog-offers';
import type { InvokeResult } from './invoke';
import { firstLine } from './message-payload';
import type { PickerChoices } from './picker-view';
import { attachTitle, fileNote, isIncludable, sizeText, taskChoices, toggleTitle } from './file-lines';

const PREVIEW_CHARS = 300;

export function dialogView(
  offer: DialogOffer,
  choices: PickerChoices,
  options: { newTaskTitle?: string; linkBack?: boolean; /** Files whose toggles stay on (default: every one that can go). */ chosenIds?: readonly string[] } = {},
): AttachDialogCardData {
  const text = offer.message.text;
  return {
    offerId: offer.id,
    files: offer.files.map((f) => ({
      id: f.id,
      name: f.name,
      sizeText: sizeText(f),
      kind: f.kind,
      refused: !isIncludable(f),
      note: f.linkOnly ? fileNote(f) : f.refusal,
      toggleTitle: toggleTitle(f, f.kind),
      toggleOn: isIncludable(f) && (options.chosenIds === undefined || options.chosenIds.includes(f.id)),
    })),
    lists: choices.lists.map((l) => ({ title: l.displayName, value: l.id })),
    selectedListId: choices.selectedListId,
    tasks: taskChoices(offer.suggestions, choices.tasks),
    selectedTaskId: choices.selectedTaskId,
    defaultNewTaskTitle: options.newTaskTitle ?? firstLine(text),
    messagePreview: text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS - 1).trimEnd()}…`,
    canLinkBack: offer.message.link !== undefined,
    linkBackDefault: offer.message.link !== undefined && (options.linkBack ?? true),
    attachTitle: attachTitle(offer.files),
    notice: choices.notice,
    typeahead: choices.typeahead,
  };
}

/** `{ task: { type: 'continue' } }`: (re)shows the dialog. */
export function dialogResponse(data: AttachDialogCardData): InvokeResult {
  return dialogCardResponse(renderCard('attach-dialog', data));
}

/** `{ task: { type: 'continue' } }` with any card (e.g. "already on this task"). */
export function dialogCardResponse(card: AdaptiveCardJson): InvokeResult {
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

