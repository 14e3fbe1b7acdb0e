import { nextFreeName, sameName, splitExtension } from '../../../src/jobs/attachment-names';

test('a free name stays as it is', () => {
  expect(nextFreeName('report.pdf', ['other.pdf'])).toBe('report.pdf');
});

test('a taken name gets the next free number before its extension, compared without case', () => {
  expect(nextFreeName('report.pdf', ['Report.PDF'])).toBe('report (2).pdf');
  expect(nextFreeName('report.pdf', ['report.pdf', 'report (2).pdf', 'report (4).pdf'])).toBe('report (3).pdf');
});

test('names with several dots, no extension, a leading dot, or already numbered', () => {
  expect(nextFreeName('Q3.budget.v2.xlsx', ['Q3.budget.v2.xlsx'])).toBe('Q3.budget.v2 (2).xlsx');
  expect(nextFreeName('README', ['README'])).toBe('README (2)');
  expect(nextFreeName('.env', ['.env'])).toBe('.env (2)');
  expect(nextFreeName('scan (2).pdf', ['scan (2).pdf'])).toBe('scan (3).pdf');
});

test('accents count, case does not', () => {
  expect(sameName('Résumé.pdf', 'résumé.PDF')).toBe(true);
  expect(sameName('Resume.pdf', 'Résumé.pdf')).toBe(false);
  expect(splitExtension('archive.tar.gz')).toEqual(['archive.tar', '.gz']);
});
