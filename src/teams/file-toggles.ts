import { isIncludable } from './file-lines';
import type { FileOffer } from './file-offers';
import type { ChosenFile } from './attach-plan';

const FILE_TOGGLE = /^file_(.*)$/;

/**
 * The files a picker's or dialog's include toggles (`file_<id>`) choose. A file the card sent
 * no toggle for counts as `untoggled` says (the chat card shows none for a single file; the
 * dialog shows one for every file). A toggle naming a file the card never had, or with another
 * value than "true"/"false", means the data was tampered with: undefined. Files that cannot go
 * on the task are never chosen.
 */
export function chosenFiles(
  files: ReadonlyArray<{ id: string; offer: FileOffer }>,
  data: Record<string, unknown>,
  untoggled: 'included' | 'left-out',
): ChosenFile[] | undefined {
  const toggles = new Map<string, boolean>();
  for (const [key, value] of Object.entries(data)) {
    const m = FILE_TOGGLE.exec(key);
    if (!m) continue;
    const id = m[1] as string;
    if (!files.some((f) => f.id === id) || (value !== 'true' && value !== 'false')) return undefined;
    toggles.set(id, value === 'true');
  }
  return files
    .filter((f) => isIncludable(f.offer) && (toggles.get(f.id) ?? untoggled === 'included'))
    .map((f) => ({ fileId: f.id, offer: f.offer }));
}
