/**
 * Fills the templates in the top-level cards/ folder with a view model. Layout lives in the
 * JSON templates, data in code: nothing else in the app builds card JSON.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { AppError } from '../errors';
import {
  CARD_NAMES,
  type AdaptiveCardJson,
  type AttachDialogCardData,
  type CardDataMap,
  type CardName,
  type PickerCardData,
  type TransferCardData,
} from './view-models';

export type { AdaptiveCardJson, CardDataMap, CardName } from './view-models';
export { CARD_NAMES } from './view-models';

let cachedDir: string | undefined;
const templates = new Map<CardName, ACData.Template>();

/**
 * The project's cards/ folder. The code runs from src/cards (ts-jest) and from dist/src/cards
 * (after tsc), so it walks up to the first folder holding both package.json and cards/.
 */
export function cardsDir(): string {
  cachedDir ??= findCardsDir(__dirname);
  return cachedDir;
}

/** Walks up from `startDir` to the first folder that holds both package.json and cards/. */
export function findCardsDir(startDir: string): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, 'cards');
    if (fs.existsSync(path.join(dir, 'package.json')) && isDirectory(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new AppError('INTERNAL', 'The cards folder could not be found next to package.json.');
    dir = parent;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function isCardName(name: string): name is CardName {
  return (CARD_NAMES as readonly string[]).includes(name);
}

function template(name: CardName): ACData.Template {
  const cached = templates.get(name);
  if (cached) return cached;
  const file = path.join(cardsDir(), `${name}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('INTERNAL', `The card template “${name}” could not be read.`, { cause: err });
  }
  const t = new ACData.Template(parsed);
  templates.set(name, t);
  return t;
}

/**
 * The templating engine turns a missing field into the literal text "${field}" and treats it
 * as true in `$when`/`if()`, so every optional field gets an explicit value here ('' = none).
 */
const normalizers: { [N in CardName]: (data: CardDataMap[N]) => unknown } = {
  picker: (d: PickerCardData) => ({
    ...d,
    typeahead: d.typeahead ?? true,
    attachTitle: d.attachTitle ?? 'Attach',
    files: d.files.map((f, i) => ({ ...f, id: f.id ?? String(i), note: f.note ?? '', toggle: f.toggle ?? false, toggleTitle: f.toggleTitle ?? '', toggleOn: f.toggleOn ?? true })),
    selectedListId: d.selectedListId ?? '',
    selectedTaskId: d.selectedTaskId ?? '',
    searchText: d.searchText ?? '',
    notice: d.notice ?? '',
  }),
  transfer: (d: TransferCardData) => ({
    ...d,
    taskUrl: d.taskUrl ?? '',
    errorText: d.errorText ?? '',
    requestId: d.requestId ?? '',
    waitingText: d.waitingText ?? '',
    canSignIn: d.canSignIn ?? false,
    summary: d.summary ?? '',
    // Whole percents keep the bar's column weights and the "· 45%" text tidy.
    files: d.files.map((f) => ({ ...f, percent: clampPercent(f.percent), startedOver: f.startedOver ?? false })),
  }),
  help: (d) => d,
  status: (d) => d,
  notice: (d) => d,
  'attach-dialog': (d: AttachDialogCardData) => ({
    ...d,
    typeahead: d.typeahead ?? true,
    attachTitle: d.attachTitle ?? 'Attach',
    files: d.files.map((f) => ({ ...f, note: f.note ?? '', toggleTitle: f.toggleTitle ?? dialogToggleTitle(f), toggleOn: f.toggleOn ?? !f.refused })),
    selectedListId: d.selectedListId ?? '',
    selectedTaskId: d.selectedTaskId ?? '',
    notice: d.notice ?? '',
  }),
  'already-attached': (d) => d,
};

/** The dialog toggle's text when the view model leaves it out (a file or image, and why not). */
function dialogToggleTitle(f: AttachDialogCardData['files'][number]): string {
  if (f.refused) return f.note ?? 'Can’t be attached';
  return `${f.kind === 'image' ? 'Attach this image' : 'Attach this file'}${f.sizeText !== '' ? ` · ${f.sizeText}` : ''}`;
}

function clampPercent(p: number): number {
  if (!Number.isFinite(p)) return 0;
  return Math.min(100, Math.max(0, Math.round(p)));
}

/** Expands `cards/<name>.json` with the view model. Templates are read once and cached. */
export function renderCard<N extends CardName>(name: N, data: CardDataMap[N]): AdaptiveCardJson {
  if (!isCardName(name)) throw new AppError('INTERNAL', `There is no card template named “${String(name)}”.`);
  const normalize = normalizers[name] as (d: CardDataMap[N]) => unknown;
  let expanded: unknown;
  try {
    expanded = template(name).expand({ $root: normalize(data) });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('INTERNAL', `The card template “${name}” could not be filled.`, { cause: err });
  }
  expanded = withoutNulls(expanded);
  if (!isAdaptiveCard(expanded)) {
    throw new AppError('INTERNAL', `The card template “${name}” did not produce an Adaptive Card.`);
  }
  return expanded;
}

/**
 * The templating engine turns a property whose `$when` is false into `null` (e.g. a
 * ChoiceSet's `choices.data` without typeahead); Adaptive Card JSON has no use for nulls.
 */
function withoutNulls(node: unknown): unknown {
  if (Array.isArray(node)) return node.filter((v) => v !== null).map(withoutNulls);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node as Record<string, unknown>)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

function isAdaptiveCard(value: unknown): value is AdaptiveCardJson {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'AdaptiveCard' &&
    typeof (value as { version?: unknown }).version === 'string'
  );
}
