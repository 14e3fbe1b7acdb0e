import { firstOpenTask } from '../../support/emulators';
import { ADELE, BotHarness, MEGAN, cardText, pickerIdOf, type TeamsUser } from '../../support/bot-harness';
import type { Env } from '../../../src/config';

/**
 * A file host that drips (or one user with many transfers) must not hold the transfer slots
 * everyone shares: downloads need a minimum rate over a window and finish by a deadline, and
 * one user's transfers run at most MAX_TRANSFERS_PER_USER at a time while other users' go ahead.
 */

jest.setTimeout(90_000);

let h: BotHarness;
afterEach(async () => {
  await h.close();
});

function workTask(): { listId: string; taskId: string } {
  const { listId, taskId } = firstOpenTask(h.emulators.graph, 'Work');
  return { listId, taskId };
}

/** Sends a file and returns its picker card id (the card that later shows the transfer). */
async function offer(file: { name: string; url: string }, user: TeamsUser = MEGAN): Promise<{ cardId: string; pickerId: string }> {
  const before = h.cards(user).length;
  expect(await h.sendFiles([file], user)).toBe(200);
  const picker = await h.waitForCard(before + 1, user);
  return { cardId: picker.activityId, pickerId: pickerIdOf(picker.card) };
}

async function attach(p: { cardId: string; pickerId: string }, user: TeamsUser = MEGAN): Promise<void> {
  const answer = await h.press(p.cardId, 'attach', { pickerId: p.pickerId, ...workTask() }, user);
  expect(cardText(answer.body.value)).toMatch(/Attaching/);
}

async function start(env: Env): Promise<void> {
  h = await BotHarness.start({ env });
}

test('a download that drips below the minimum rate fails in words and frees its slot', async () => {
  await start({ MAX_CONCURRENT_TRANSFERS: '1', DOWNLOAD_MIN_BYTES_PER_SECOND: '100000', DOWNLOAD_RATE_WINDOW_SECONDS: '1' });
  const slow = h.emulators.files.addFile({ name: 'drip.bin', size: 1024 * 1024 });
  const fine = h.emulators.files.addFile({ name: 'fine.bin', size: 200_000 });
  const first = await offer(slow);
  const second = await offer(fine);
  h.emulators.files.shaping.set({ bytesPerSecond: 2000 });
  await attach(first);
  await h.connector.waitFor(() => h.emulators.files.requests.length > 2 || undefined);
  await attach(second);
  const failed = await h.waitForCardText(first.cardId, /Could not attach/);
  expect(cardText(failed.card)).toContain('“drip.bin” came too slowly from where Teams stored it, so I stopped');
  // The one slot is free again: the next transfer runs to the end.
  h.emulators.files.shaping.set({ bytesPerSecond: undefined });
  await h.waitForCardText(second.cardId, /Attached “fine\.bin”/);
});

test('a download that keeps the minimum rate but outlasts the deadline fails in words', async () => {
  await start({ DOWNLOAD_MIN_BYTES_PER_SECOND: '1000', DOWNLOAD_RATE_WINDOW_SECONDS: '1', DOWNLOAD_DEADLINE_SECONDS: '2' });
  const file = h.emulators.files.addFile({ name: 'long.bin', size: 4 * 1024 * 1024 });
  const p = await offer(file);
  h.emulators.files.shaping.set({ bytesPerSecond: 200_000 });
  await attach(p);
  const failed = await h.waitForCardText(p.cardId, /Could not attach/);
  expect(cardText(failed.card)).toContain('“long.bin” came too slowly from where Teams stored it');
  expect(h.emulators.graph.sessionCount()).toBe(0);
});

test('one user’s many transfers do not hold back another user: per-user cap, fair turns', async () => {
  await start({ MAX_CONCURRENT_TRANSFERS: '2', MAX_TRANSFERS_PER_USER: '1' });
  const megans = [1, 2, 3].map((i) => h.emulators.files.addFile({ name: `megan-${i}.bin`, size: 2 * 1024 * 1024 }));
  const adeles = h.emulators.files.addFile({ name: 'adele.bin', size: 2 * 1024 * 1024 });
  const mp = [];
  for (const f of megans) mp.push(await offer(f));
  const ap = await offer(adeles, ADELE);
  h.emulators.files.clearRequests();
  h.emulators.files.shaping.set({ bytesPerSecond: 1024 * 1024 });
  for (const p of mp) await attach(p);
  await attach(ap, ADELE);
  const requested = (id: string): boolean => h.emulators.files.requests.some((r) => r.path.includes(id));
  await h.connector.waitFor(() => requested(adeles.id) || undefined, 30_000);
  // Adele's transfer started while Megan's second and third still wait for her own turn.
  expect(requested(megans[0]?.id ?? '')).toBe(true);
  expect(requested(megans[1]?.id ?? '')).toBe(false);
  expect(requested(megans[2]?.id ?? '')).toBe(false);
  h.emulators.files.shaping.set({ bytesPerSecond: undefined });
  for (const p of mp) await h.waitForCardText(p.cardId, /Attached/);
  await h.waitForCardText(ap.cardId, /Attached/, ADELE);
});
