import { MAX_CANDIDATES, rankTasks, type CandidateTask } from '../../../src/ranking';
import { TEXT_CAPS } from '../../../src/ranking/tokenize';

const NOW = Date.parse('2026-04-14T09:00:00Z');
const daysAgo = (n: number): string => new Date(NOW - n * 86_400_000).toISOString();

let seq = 0;
function task(title: string, more: Partial<CandidateTask> = {}): CandidateTask {
  seq++;
  return { id: `t${seq}`, title, listId: 'l1', listName: 'Tasks', status: 'notStarted', importance: 'normal', lastModifiedDateTime: daysAgo(10), ...more };
}

const filler = (): CandidateTask[] => [task('Book dentist appointment'), task('Renew car insurance'), task('Team offsite agenda'), task('Reply to Mark')];
const ids = (ts: ReadonlyArray<{ task: CandidateTask }>): string[] => ts.map((t) => t.task.id);

describe('rankTasks', () => {
  it('ranks a completed task after every open one even when it matches better, and never suggests or preselects it', () => {
    const done = task('February close: bank reconciliation', { status: 'completed' });
    const open = task('March close: bank reconciliation');
    const unrelated = filler();
    const r = rankTasks({ fileName: 'Bank reconciliation February.xlsx' }, [done, open, ...unrelated], { now: NOW });
    expect(r.ranked[0]?.task.id).toBe(open.id);
    expect(r.ranked.at(-1)?.task.id).toBe(done.id);
    expect(r.ranked.find((t) => t.task.id === done.id)?.relevance).toBeGreaterThan(r.ranked[0]?.relevance ?? Infinity);
    expect(ids(r.suggestions)).not.toContain(done.id);
    // The file most likely belongs to the completed task: the open one is not preselected.
    expect(r.preselected).toBeUndefined();
  });

  it('preselects the one task that clearly wins', () => {
    const right = task('Pay Acme Logistics invoice 10234');
    const r = rankTasks({ fileName: 'Acme_INV-10234.pdf' }, [task('Pay Contoso invoice 9981'), right, ...filler()], { now: NOW });
    expect(r.preselected?.task.id).toBe(right.id);
    expect(r.suggestions[0]?.task.id).toBe(right.id);
  });

  it('suggests but does not preselect when two tasks match alike', () => {
    const a = task('Presupuesto de catering');
    const b = task('Presupuesto audiovisual');
    const r = rankTasks({ fileName: 'presupuesto_2026.xlsx' }, [a, b, ...filler()], { now: NOW });
    expect(ids(r.suggestions).sort()).toEqual([a.id, b.id].sort());
    expect(r.preselected).toBeUndefined();
  });

  it('breaks a tie by importance when the tasks are as recent', () => {
    const low = task('Quarterly report', { importance: 'low' });
    const normal = task('Quarterly report');
    const high = task('Quarterly report', { importance: 'high' });
    const r = rankTasks({ fileName: 'quarterly report.pdf' }, [low, normal, high, ...filler()], { now: NOW });
    expect(ids(r.ranked.slice(0, 3))).toEqual([high.id, normal.id, low.id]);
    expect(r.preselected).toBeUndefined();
  });

  it('breaks a tie by recency when the tasks are as important', () => {
    const old = task('Quarterly report', { lastModifiedDateTime: daysAgo(90) });
    const recent = task('Quarterly report', { lastModifiedDateTime: daysAgo(1) });
    const middle = task('Quarterly report', { lastModifiedDateTime: daysAgo(20) });
    const r = rankTasks({ fileName: 'quarterly report.pdf' }, [old, recent, middle, ...filler()], { now: NOW });
    expect(ids(r.ranked.slice(0, 3))).toEqual([recent.id, middle.id, old.id]);
  });

  it('lets a task due soon win a tie against one due later', () => {
    const later = task('Send VAT return', { dueDateTime: daysAgo(-60) });
    const soon = task('Send VAT return', { dueDateTime: daysAgo(-3) });
    const r = rankTasks({ fileName: 'VAT return.pdf' }, [later, soon, ...filler()], { now: NOW });
    expect(r.ranked[0]?.task.id).toBe(soon.id);
  });

  it('never lets importance or recency outvote the text', () => {
    const right = task('Lease schedule for auditors', { importance: 'low', lastModifiedDateTime: daysAgo(300) });
    const loud = task('Audit evidence', { importance: 'high', lastModifiedDateTime: daysAgo(0), dueDateTime: daysAgo(-1) });
    const r = rankTasks({ fileName: 'Lease schedule IFRS16.xlsx' }, [loud, right, ...filler()], { now: NOW });
    expect(r.ranked[0]?.task.id).toBe(right.id);
  });

  it('with nothing to go on suggests and preselects nothing, and still lists every task', () => {
    const tasks = filler();
    for (const context of [{}, { fileName: 'IMG_2041.jpg' }, { fileName: 'Document (4).pdf', messageText: '', conversationName: '' }]) {
      const r = rankTasks(context, tasks, { now: NOW });
      expect(r.suggestions).toEqual([]);
      expect(r.preselected).toBeUndefined();
      expect(r.ranked).toHaveLength(tasks.length);
    }
  });

  it('uses the message when the file name says nothing', () => {
    const right = task('Expense report March');
    const r = rankTasks({ fileName: 'IMG_2041.jpg', messageText: 'receipt from the client dinner, for my March expenses' }, [right, task('March close: accruals'), ...filler()], { now: NOW });
    expect(r.ranked[0]?.task.id).toBe(right.id);
  });

  it('finds titles across accents, umlaut spellings and typos', () => {
    const r1 = rankTasks({ fileName: 'Pruefbericht_Korrosionsschutz.pdf' }, [task('Prüfbericht Korrosionsschutz senden'), ...filler()], { now: NOW });
    expect(r1.preselected?.task.title).toBe('Prüfbericht Korrosionsschutz senden');
    const r2 = rankTasks({ fileName: 'Comission plan.xlsx' }, [task('Sales commission plan model'), ...filler()], { now: NOW });
    expect(r2.ranked[0]?.task.title).toBe('Sales commission plan model');
    const r3 = rankTasks({ fileName: '見積書_サクラ.pdf' }, [task('見積書を株式会社サクラへ送付'), task('請求書（4月分）発行'), ...filler()], { now: NOW });
    expect(r3.preselected?.task.title).toBe('見積書を株式会社サクラへ送付');
  });

  it('stays bounded on hostile input: thousands of tasks, megabyte titles and messages', () => {
    const long = 'contract '.repeat(120_000);
    const tasks = Array.from({ length: 5000 }, (_, i) => task(i === 3 ? long : `Task number ${i} about invoices`, { listName: long }));
    const r = rankTasks({ fileName: long, messageText: long, conversationName: long }, tasks, { now: NOW });
    expect(r.ranked).toHaveLength(MAX_CANDIDATES);
    expect(r.ranked.every((t) => Number.isFinite(t.score))).toBe(true);
    expect(r.ranked[0]?.task.id).toBe(tasks[3]?.id);
    expect(TEXT_CAPS.title).toBeLessThan(1000);
  });

  it('answers the same for the same input', () => {
    const tasks = [task('Aurora launch brief'), task('Aurora launch: pricing FAQ'), ...filler()];
    const a = rankTasks({ fileName: 'Aurora.pptx' }, tasks, { now: NOW });
    const b = rankTasks({ fileName: 'Aurora.pptx' }, tasks, { now: NOW });
    expect(ids(a.ranked)).toEqual(ids(b.ranked));
  });
});
