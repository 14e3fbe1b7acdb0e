import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppError } from '../../../src/errors';
import { cardsDir, findCardsDir, renderCard, type CardName } from '../../../src/cards/render';
import type { NoticeCardData, PickerCardData } from '../../../src/cards/view-models';
import { readSample } from '../../support/card-tree';

const repoRoot = path.resolve(__dirname, '../../..');

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('renderCard', () => {
  test('reads each template once, then serves it from the cache', () => {
    // The module object itself: the namespace import's properties cannot be redefined by a spy.
    const rawFs = require('node:fs') as typeof fs;
    const spy = jest.spyOn(rawFs, 'readFileSync');
    try {
      const data: NoticeCardData = { title: 'Done', text: 'All set.', tone: 'good' };
      const first = renderCard('notice', data);
      expect(renderCard('notice', data)).toEqual(first);
      renderCard('notice', { ...data, text: 'Still set.' });
      const reads = spy.mock.calls.filter(([file]) => String(file).endsWith(`${path.sep}notice.json`));
      expect(reads).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  test('does not change the view model it is given', () => {
    const data = deepFreeze(readSample('picker.sample.json', 'picker'));
    const copy = JSON.parse(JSON.stringify(data)) as PickerCardData;
    expect(() => renderCard('picker', data)).not.toThrow();
    expect(data).toEqual(copy);
  });

  test('an unknown card name is an INTERNAL AppError, not a crash with a file path', () => {
    let caught: unknown;
    try {
      renderCard('nope' as CardName, { title: '', text: '', tone: 'default' } as never);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('INTERNAL');
    expect((caught as AppError).message).not.toContain(path.sep);
  });
});

describe('finding the cards folder', () => {
  test('from the source tree (ts-jest) it is the top-level cards/ folder', () => {
    expect(cardsDir()).toBe(path.join(repoRoot, 'cards'));
    expect(fs.existsSync(path.join(cardsDir(), 'picker.json'))).toBe(true);
  });

  test('from the compiled tree (dist/src/cards) it is the same folder', () => {
    expect(findCardsDir(path.join(repoRoot, 'dist', 'src', 'cards'))).toBe(path.join(repoRoot, 'cards'));
  });

  describe('in a scratch project', () => {
    let tmp: string;
    beforeAll(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cards-dir-'));
      // outer/ is the app (package.json + cards/); outer/node_modules/x/ is a package without cards/.
      fs.mkdirSync(path.join(tmp, 'outer', 'cards'), { recursive: true });
      fs.writeFileSync(path.join(tmp, 'outer', 'package.json'), '{}');
      fs.mkdirSync(path.join(tmp, 'outer', 'node_modules', 'x', 'lib'), { recursive: true });
      fs.writeFileSync(path.join(tmp, 'outer', 'node_modules', 'x', 'package.json'), '{}');
    });
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    test('skips a package.json that has no cards/ next to it', () => {
      expect(findCardsDir(path.join(tmp, 'outer', 'node_modules', 'x', 'lib'))).toBe(path.join(tmp, 'outer', 'cards'));
    });

    test('says clearly when there is none', () => {
      expect(() => findCardsDir(tmp)).toThrow(AppError);
    });
  });
});
