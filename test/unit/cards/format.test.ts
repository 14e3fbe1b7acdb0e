import fc from 'fast-check';
import { formatBytes, formatDuration, formatSpeed, progressDetail } from '../../../src/cards/format';
import { MAX_ATTACHMENT_BYTES } from '../../../src/errors';

describe('formatBytes', () => {
  test.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    [1536, '1.5 KB'],
    [9 * 1_048_576, '9.0 MB'],
    [32_925_286, '31.4 MB'], // the file from the issue
    [MAX_ATTACHMENT_BYTES, '25.0 MB'], // To Do's limit reads the same as "25 MB"
    [1_048_575, '1.0 MB'], // rounds up into the next unit instead of "1024.0 KB"
    [5 * 1024 ** 3, '5.0 GB'],
    [3 * 1024 ** 5, '3072.0 TB'],
  ])('%d bytes → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  test('any size reads as at most four digits, one decimal and a unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (n) => {
        expect(formatBytes(n)).toMatch(/^(\d{1,4} B|\d{1,4}\.\d (KB|MB|GB|TB))$/);
      }),
    );
  });

  test('bigger files never read smaller', () => {
    const value = (t: string): number => {
      const [num, unit] = t.split(' ');
      return Number(num) * 1024 ** ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(unit ?? '');
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 45 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(value(formatBytes(lo))).toBeLessThanOrEqual(value(formatBytes(hi)));
      }),
    );
  });

  test('nonsense is refused rather than shown', () => {
    expect(() => formatBytes(-1)).toThrow(RangeError);
    expect(() => formatBytes(Number.NaN)).toThrow(RangeError);
    expect(() => formatBytes(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('formatSpeed', () => {
  test.each([
    [1.3 * 1_048_576, '1.3 MB/s'],
    [800, '800 B/s'],
    [1023.7, '1.0 KB/s'],
    [250_000, '244.1 KB/s'],
  ])('%d B/s → %s', (n, text) => {
    expect(formatSpeed(n)).toBe(text);
  });
});

describe('formatDuration', () => {
  test.each([
    [0, 'about 1 s'],
    [3_200, 'about 4 s'],
    [59_000, 'about 59 s'],
    [59_400, '1 min'],
    [100_000, '2 min'],
    [59 * 60_000 + 40_000, '1 h'],
    [65 * 60_000, '1 h 5 min'],
    [26 * 3_600_000 + 3 * 60_000, '26 h 3 min'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('progressDetail', () => {
  const MB = 1_048_576;

  test('done, total, speed and time left', () => {
    expect(progressDetail({ bytesDone: 4.2 * MB, total: 9 * MB, bytesPerSecond: 1.3 * MB })).toBe(
      '4.2 MB of 9.0 MB · 1.3 MB/s · about 4 s left',
    );
  });

  test('before a speed is known', () => {
    expect(progressDetail({ bytesDone: 0, total: 9 * MB })).toBe('0 B of 9.0 MB');
    expect(progressDetail({ bytesDone: 0, total: 9 * MB, bytesPerSecond: 0 })).toBe('0 B of 9.0 MB');
  });

  test('when the total is unknown there is no time left to show', () => {
    expect(progressDetail({ bytesDone: 2 * MB, bytesPerSecond: MB })).toBe('2.0 MB · 1.0 MB/s');
  });

  test('when finished there is no time left to show', () => {
    expect(progressDetail({ bytesDone: 9 * MB, total: 9 * MB, bytesPerSecond: MB })).toBe('9.0 MB of 9.0 MB · 1.0 MB/s');
  });
});
