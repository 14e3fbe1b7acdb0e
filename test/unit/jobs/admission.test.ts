import { Admission } from '../../../src/jobs/admission';

describe('Admission', () => {
  it('lets a user send N file messages a minute, tells them once when over, and refills with time', () => {
    let now = 0;
    const a = new Admission(() => 0, { maxPendingPerUser: 10, fileMessagesPerMinute: 3, now: () => now });
    expect([1, 2, 3].map(() => a.takeFileMessage('u'))).toEqual(['ok', 'ok', 'ok']);
    expect(a.takeFileMessage('u')).toBe('tell');
    expect(a.takeFileMessage('u')).toBe('quiet');
    expect(a.takeFileMessage('other')).toBe('ok');
    now += 20_000; // a third of a minute: one message back
    expect(a.takeFileMessage('u')).toBe('ok');
    expect(a.takeFileMessage('u')).toBe('quiet');
    now += 60_000; // told a minute ago or more: told again, after the bucket is empty again
    expect([1, 2, 3].map(() => a.takeFileMessage('u'))).toEqual(['ok', 'ok', 'ok']);
    expect(a.takeFileMessage('u')).toBe('tell');
  });

  it('caps transfers waiting or running per user', () => {
    const pending = new Map([['busy', 10], ['idle', 9]]);
    const a = new Admission((u) => pending.get(u) ?? 0, { maxPendingPerUser: 10, fileMessagesPerMinute: 30 });
    expect(a.hasRoomFor('busy')).toBe(false);
    expect(a.hasRoomFor('idle')).toBe(true);
    expect(a.hasRoomFor('new')).toBe(true);
  });

  it('remembers a bounded number of users (the least recently seen are forgotten)', () => {
    const a = new Admission(() => 0, { maxPendingPerUser: 1, fileMessagesPerMinute: 1, maxUsers: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) a.takeFileMessage(`user-${i}`);
    // user-0 was forgotten: a full bucket again; user-999 is remembered: empty.
    expect(a.takeFileMessage('user-0')).toBe('ok');
    expect(a.takeFileMessage('user-999')).toBe('tell');
  });
});
