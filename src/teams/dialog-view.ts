import { formatBytes } from '../cards/format';
import { renderCard, type AdaptiveCardJson } from '../cards/render';
import type { AttachDialogCardData } from '../cards/view-models';
import type { DialogOffer } from './dialog-offers';
import type { InvokeResult } from './invoke';
import { firstLine } from './message-payload';
import type { PickerChoices } from './picker-view';

const PREVIEW_CHARS = 300;

export function dialogView(offer: DialogOffer, choices: PickerChoices, options: { newTaskTitle?: string; linkBack?: boolean } = {}): AttachDialogCardData {
  const text = offer.message.text;
  return {
    files: offer.files.map((f) => ({
      id: f.id,
      name: f.name,
      sizeText: f.size === undefined ? '' : formatBytes(f.size),
      kind: f.kind,
      tooLarge: f.refusal !== undefined,
      note: f.refusal,
    })),
    lists: choices.lists.map((l) => ({ title: l.displayName, value: l.id })),
    selectedListId: choices.selectedListId,
    tasks: choices.tasks.map((t) => ({ title: t.title, value: t.id })),
    defaultNewTaskTitle: options.newTaskTitle ?? firstLine(text),
    messagePreview: text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS - 1).trimEnd()}…`,
    linkBackDefault: offer.message.link !== undefined && (options.linkBack ?? true),
    notice: choices.notice,
    typeahead: choices.typeahead,
  };
}

/**
 * The dialog's Action.Submit buttons carry `{ action }` in the template; the offer id is added
 * to that data here (a dialog has no hidden inputs), so every submit names its server-side offer.
 */
export function withSubmitData(card: AdaptiveCardJson, extra: Record<string, string>): AdaptiveCardJson {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    const o = node as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = visit(v);
    if (o['type'] === 'Action.Submit') {
      const data = o['data'] && typeof o['data'] === 'object' ? (o['data'] as Record<string, unknown>) : {};
      out['data'] = { ...data, ...extra };
    }
    return out;
  };
  return visit(card) as AdaptiveCardJson;
}

/** `{ task: { type: 'continue' } }`: (re)shows the dialog. */
export function dialogResponse(offer: DialogOffer, data: AttachDialogCardData): InvokeResult {
  const card = withSubmitData(renderCard('attach-dialog', data), { offerId: offer.id });
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

/** `{}`: closes the dialog. */
export function dialogClose(): InvokeResult {
  return { status: 200, body: {} };
}
