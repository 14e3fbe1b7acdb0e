import type { PickerCardData } from '../cards/view-models';
import type { TodoTask, TodoTaskList } from '../graph/types';
import { attachTitle, fileNote, isIncludable, sizeText, taskChoices, toggleTitle } from './file-lines';
import type { Picker } from './picker-store';

export interface PickerChoices {
  lists: TodoTaskList[];
  selectedListId: string | undefined;
  tasks: TodoTask[];
  selectedTaskId?: string;
  searchText?: string;
  notice?: string;
  /** Whether the card offers typeahead search (clients without it get static choices). */
  typeahead?: boolean;
}

/** `chosenIds`: the files whose toggles stay on (default: every one that can go). */
export function pickerView(picker: Picker, choices: PickerChoices, chosenIds?: readonly string[]): PickerCardData {
  // Several files, or one that goes as a link: each can be left out with its toggle.
  const toggles = picker.files.length > 1 || picker.files.some((f) => f.linkOnly);
  const files = picker.files.map((f, i) => ({
    id: String(i),
    name: f.name,
    sizeText: sizeText(f),
    refused: !isIncludable(f),
    note: fileNote(f),
    toggle: toggles && isIncludable(f),
    toggleTitle: toggleTitle(f),
    toggleOn: chosenIds === undefined || chosenIds.includes(String(i)),
  }));
  return {
    pickerId: picker.id,
    files,
    lists: choices.lists.map((l) => ({ title: l.displayName, value: l.id })),
    selectedListId: choices.selectedListId,
    tasks: taskChoices(picker.suggestions, choices.tasks),
    selectedTaskId: choices.selectedTaskId,
    searchText: choices.searchText,
    canAttach: files.some((f) => !f.refused),
    attachTitle: attachTitle(picker.files),
    notice: choices.notice,
    typeahead: choices.typeahead,
  };
}

/** The list to preselect: the one this user used last, else To Do's default list, else the first. */
export function preferredListId(lists: readonly TodoTaskList[], lastUsed: string | undefined): string | undefined {
  if (lastUsed && lists.some((l) => l.id === lastUsed)) return lastUsed;
  return (lists.find((l) => l.wellknownListName === 'defaultList') ?? lists[0])?.id;
}
