import { formatBytes } from '../cards/format';
import type { ChoiceOption } from '../cards/view-models';
import type { TodoTask } from '../graph/types';
import type { FileOffer } from './file-offers';
import type { Suggestion } from './suggestions';
import { suggestionValue } from './suggestions';

/** How each offered file reads on the chat picker and the dialog (one wording for both). */

/** The file can go on the task: attached, or linked when too large. */
export function isIncludable(offer: FileOffer): boolean {
  return offer.refusal === undefined;
}

export function sizeText(offer: FileOffer): string {
  return offer.size === undefined ? '' : formatBytes(offer.size);
}

/** The line under the file's name: why it cannot be attached, or that it goes as a link. */
export function fileNote(offer: FileOffer): string | undefined {
  if (offer.linkOnly) return `${sizeText(offer)}: too large to attach (To Do takes up to 25 MB). The file stays where it is; the task gets a link to it and a line in its note.`;
  return offer.refusal;
}

/** The include toggle's text. */
export function toggleTitle(offer: FileOffer, kind: 'file' | 'image' = 'file'): string {
  if (offer.linkOnly) return 'Add a link to the task instead';
  if (offer.refusal !== undefined) return offer.refusal;
  const size = sizeText(offer);
  return `${kind === 'image' ? 'Attach this image' : 'Attach this file'}${size !== '' ? ` · ${size}` : ''}`;
}

/** 'Add link' when every file that can go on the task goes as a link; else 'Attach'. */
export function attachTitle(offers: readonly FileOffer[]): string {
  const going = offers.filter(isIncludable);
  return going.length > 0 && going.every((o) => o.linkOnly) ? 'Add link' : 'Attach';
}

/**
 * The task choices: the suggested tasks first, marked (they may be in any list), then the
 * chosen list's tasks as before, without the ones already suggested.
 */
export function taskChoices(suggestions: readonly Suggestion[] | undefined, tasks: readonly TodoTask[]): ChoiceOption[] {
  const suggested = suggestions ?? [];
  const shown = new Set(suggested.map((s) => s.taskId));
  return [
    ...suggested.map((s, i) => ({ title: `★ Suggested: ${s.title} (${s.listName})`, value: suggestionValue(i) })),
    ...tasks.filter((t) => !shown.has(t.id)).map((t) => ({ title: t.title, value: t.id })),
  ];
}
