/**
 * Small helpers to look inside an expanded card the way Teams would: every input, every action,
 * every piece of text a user can read. (Not a test file: no *.test.ts suffix.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as AC from 'adaptivecards';
import { cardsDir, CARD_NAMES, renderCard, type AdaptiveCardJson, type CardDataMap, type CardName } from '../../src/cards/render';

export type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every object in the card, depth first, in document order. */
export function nodes(card: unknown): Node[] {
  const out: Node[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isNode(v)) {
      out.push(v);
      Object.values(v).forEach(visit);
    }
  };
  visit(card);
  return out;
}

export function ofType(card: unknown, type: string): Node[] {
  return nodes(card).filter((n) => n.type === type);
}

export function inputs(card: unknown): Node[] {
  return nodes(card).filter((n) => typeof n.type === 'string' && n.type.startsWith('Input.'));
}

export function inputById(card: unknown, id: string): Node {
  const found = inputs(card).find((n) => n.id === id);
  if (!found) throw new Error(`no input with id ${id}`);
  return found;
}

export function actions(card: unknown): Node[] {
  return nodes(card).filter((n) => typeof n.type === 'string' && n.type.startsWith('Action.'));
}

/** The text a user reads: TextBlocks, TextRuns, facts and toggle titles. */
export function visibleTexts(card: unknown): string[] {
  const out: string[] = [];
  for (const n of nodes(card)) {
    if ((n.type === 'TextBlock' || n.type === 'TextRun') && typeof n.text === 'string') out.push(n.text);
    if (n.type === 'FactSet' && Array.isArray(n.facts)) {
      for (const f of n.facts as Node[]) out.push(`${String(f.title)}: ${String(f.value)}`);
    }
    if (n.type === 'Input.Toggle' && typeof n.title === 'string') out.push(n.title);
  }
  return out;
}

/** A card name for each sample: `transfer-done.sample.json` belongs to `transfer`. */
export function sampleFiles(): { file: string; card: CardName | undefined }[] {
  return fs
    .readdirSync(cardsDir())
    .filter((f) => f.endsWith('.sample.json'))
    .sort()
    .map((file) => {
      const base = file.slice(0, -'.sample.json'.length);
      const matches = CARD_NAMES.filter((n) => base === n || base.startsWith(`${n}-`));
      const card = matches.sort((a, b) => b.length - a.length)[0];
      return { file, card };
    });
}

export function readSample<N extends CardName>(file: string, _card: N): CardDataMap[N] {
  return JSON.parse(fs.readFileSync(path.join(cardsDir(), file), 'utf8')) as CardDataMap[N];
}

export function renderSample(card: CardName, file: string): AdaptiveCardJson {
  const render = renderCard as (name: CardName, data: unknown) => AdaptiveCardJson;
  return render(card, readSample(file, card));
}

export interface LibraryReport {
  /** Parse events other than the one we expect (see below). */
  parseEvents: string[];
  validationEvents: string[];
}

/**
 * Parses the card with the Adaptive Cards library at schema 1.5, the highest Teams renders.
 * The library (3.0.6) knows Action.Execute and Data.Query, but dates `choices.data` to 1.6 and
 * logs "UnsupportedProperty" for it; Teams documents typeahead and dependent inputs on 1.5
 * cards, so that one event is expected and filtered out here.
 */
export function parseWithLibrary(card: AdaptiveCardJson): LibraryReport {
  const parsed = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, ctx);
  const parseEvents: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    const expected = e.event === AC.ValidationEvent.UnsupportedProperty && e.message.includes('"choices.data"');
    if (!expected) parseEvents.push(`${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  const validationEvents = parsed
    .validateProperties()
    .validationEvents.map((e) => `${AC.ValidationEvent[e.event]}: ${e.message}`);
  return { parseEvents, validationEvents };
}
