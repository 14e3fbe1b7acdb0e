import type { FileJob } from '../../../src/jobs/job';
import { batchSummary } from '../../../src/teams/transfer-view';
import { noteWithLine, noteMentions } from '../../../src/graph/task-note';
import { noteLine } from '../../../src/jobs/link-file';

function f(state: FileJob['state'], extra: Partial<FileJob> = {}): FileJob {
  return { name: 'x', contentType: 'x', source: { kind: 'download' }, state, bytesDone: 0, ...extra };
}

test('the batch summary counts what a user wants to know, in the issue’s words', () => {
  expect(batchSummary([f('done'), f('done'), f('done'), f('done', { mode: 'link' })])).toBe('3 of 4 attached, 1 too large (linked)');
  expect(batchSummary([f('done'), f('failed'), f('cancelled'), f('queued'), f('running')])).toBe('1 of 5 attached, 1 failed, 1 cancelled, 2 to go');
  expect(batchSummary([f('done'), f('refused', { error: { code: 'FILE_TOO_LARGE', message: 'm' } }), f('refused', { error: { code: 'REFUSED', message: 'm' } })])).toBe(
    '1 of 3 attached, 1 too large, 1 not attachable',
  );
});

test('the note keeps text as text (escaped, line breaks kept) and HTML as HTML', () => {
  expect(noteWithLine({ content: 'a < b & "c"\nnext', contentType: 'text' }, 'line <1>')).toBe('a &lt; b &amp; &quot;c&quot;<br>next<br>line &lt;1&gt;');
  expect(noteWithLine({ content: '', contentType: 'text' }, 'only')).toBe('only');
  expect(noteWithLine({ content: '<html><body><p>Hi</p></body></html>', contentType: 'html' }, 'x')).toBe('<html><body><p>Hi</p><br>x</body></html>');
  expect(noteMentions({ content: 'see https://x/a?b=1&amp;c=2', contentType: 'html' }, 'https://x/a?b=1&c=2')).toBe(true);
});

test('the note line names the file, its size and where it is', () => {
  expect(noteLine({ name: 'a.mov', webUrl: 'https://contoso.sharepoint.com/a.mov', size: 31_457_280 })).toBe('Linked file “a.mov” (too large to attach, 30.0 MB): https://contoso.sharepoint.com/a.mov');
  expect(noteLine({ name: 'a.mov', webUrl: 'https://x', size: undefined })).toBe('Linked file “a.mov” (too large to attach): https://x');
});
