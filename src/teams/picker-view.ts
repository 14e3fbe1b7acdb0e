import { formatBytes } from '../cards/format';
import type { PickerCardData } from '../cards/view-models';
import type { TodoTask, TodoTaskList } from '../graph/types';
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

export function pickerView(picker: Picker, choices: PickerChoices): PickerCardData {
  const files = picker.files.map((f) => ({
    name: f.name,
    sizeText: f.size === undefined ? '' : formatBytes(f.size),
    refused: f.refusal !== undefined,
    note: f.refusal,
  }));
  return {
    pickerId: picker.id,
    files,
    lists: choices.lists.map((l) => ({ title: l.displayName, value: l.id })),
    selectedListId: choices.selectedListId,
    tasks: choices.tasks.map((t) => ({ title: t.title, value: t.id })),
    selectedTaskId: choices.selectedTaskId,
    searchText: choices.searchText,
    canAttach: files.some((f) => !f.refused),
    notice: choices.notice,
    typeahead: choices.typeahead,
  };
}

/** The list to preselect: the one this user used last, else To Do's default list, else the first. */
export function preferredListId(lists: readonly TodoTaskList[], lastUsed: string | undefined): string | undefined {
  if (lastUsed && lists.some((l) => l.id === lastUsed)) return lastUsed;
  return (lists.find((l) => l.wellknownListName === 'defaultList') ?? lists[0])?.id;
}
