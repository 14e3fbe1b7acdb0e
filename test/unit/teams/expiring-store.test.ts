import { ExpiringStore } from '../../../src/teams/expiring-store';

interface Entry {
  id: string;
  createdAt: number;
  ownerUserId: string;
  payload: string;
}

function store(options: ConstructorParameters<typeof ExpiringStore<Entry>>[0], clock = { now: 0 }): ExpiringStore<Entry> {
  return new ExpiringStore<Entry>({ ...options, now: () => clock.now });
}

test('one user cannot hold more than maxPerOwner entries: their oldest go first, others keep theirs', () => {
  const s = store({ maxPerOwner: 3 });
  const other = s.create({ ownerUserId: 'adele', payload: 'x' });
  const megan = Array.from({ length: 5 }, () => s.create({ ownerUserId: 'megan', payload: 'x' }));
  expect(megan.map((e) => s.get(e.id) !== undefined)).toEqual([false, false, true, true, true]);
  expect(s.get(other.id)).toBeDefined();
});

test('the store is sized by bytes: big entries push out the oldest, and one over the budget is refused', () => {
  const s = store({ maxBytes: 10_000 });
  const first = s.create({ ownerUserId: 'a', payload: 'x'.repeat(4_000) });
  const second = s.create({ ownerUserId: 'b', payload: 'x'.repeat(4_000) });
  const third = s.create({ ownerUserId: 'c', payload: 'x'.repeat(4_000) });
  expect(s.get(first.id)).toBeUndefined();
  expect(s.get(second.id)).toBeDefined();
  expect(s.get(third.id)).toBeDefined();
  expect(s.bytes).toBeLessThanOrEqual(10_000);
  expect(() => s.create({ ownerUserId: 'd', payload: 'x'.repeat(20_000) })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  expect(s.get(second.id)).toBeDefined();
});

test('entries expire after the ttl and deleting frees their bytes', () => {
  const clock = { now: 0 };
  const s = store({ ttlMs: 1000 }, clock);
  const e = s.create({ ownerUserId: 'a', payload: 'x'.repeat(1000) });
  expect(s.bytes).toBeGreaterThan(1000);
  clock.now = 1001;
  expect(s.get(e.id)).toBeUndefined();
  expect(s.bytes).toBe(0);
  const f = s.create({ ownerUserId: 'a', payload: 'y' });
  s.delete(f.id);
  expect(s.bytes).toBe(0);
  expect(s.size).toBe(0);
});
