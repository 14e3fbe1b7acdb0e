import { Readable } from 'node:stream';
import { MemoryTodo } from '../../support/memory-sink';
import { bytesOf, TARGET } from './fixtures';

/**
 * The in-memory To Do the engine tests rely on must itself keep To Do's contract, including
 * the documentation's own exchange (3,483,322 bytes in 2,097,152-byte chunks: a chunk size the
 * engine does not use, since it is not a multiple of 320 KiB, so it is checked here).
 */
describe('MemoryTodo keeps the upload-session contract', () => {
  const signal = new AbortController().signal;
  const put = (todo: MemoryTodo, session: Awaited<ReturnType<MemoryTodo['createUploadSession']>>, bytes: Buffer, start: number, end: number) =>
    todo.putChunk({ session, start, end, total: bytes.length, body: Readable.from([bytes.subarray(start, end + 1)]), signal });

  it("answers the documentation's example as documented", async () => {
    const todo = new MemoryTodo().addTask(TARGET.listId, TARGET.taskId);
    const bytes = bytesOf(3_483_322);
    const session = await todo.createUploadSession(TARGET, bytes.length, signal);
    expect(session.nextExpectedRanges).toEqual(['0-']);
    expect(await put(todo, session, bytes, 0, 2_097_151)).toEqual({ done: false, nextExpectedRanges: ['2097152'] });
    const last = await put(todo, session, bytes, 2_097_152, 3_483_321);
    expect(last).toEqual({ done: true, attachmentId: expect.any(String) });
    expect(todo.attachments(TARGET.listId, TARGET.taskId)[0]?.bytes.equals(bytes)).toBe(true);
    // The session is gone once complete: 404.
    await expect(put(todo, session, bytes, 0, 9)).rejects.toMatchObject({ code: 'UPLOAD_SESSION_EXPIRED', status: 404 });
  });

  it('refuses 0-byte sessions and chunks over 4,194,304 bytes, and resyncs an unexpected offset', async () => {
    const todo = new MemoryTodo().addTask(TARGET.listId, TARGET.taskId);
    await expect(todo.createUploadSession(TARGET, 0, signal)).rejects.toMatchObject({ status: 400 });
    const bytes = bytesOf(5_000_000);
    const session = await todo.createUploadSession(TARGET, bytes.length, signal);
    await expect(put(todo, session, bytes, 0, 4_194_304)).rejects.toMatchObject({ status: 413 });
    expect(await put(todo, session, bytes, 1000, 1999)).toEqual({ done: false, nextExpectedRanges: ['0-4999999'] });
  });
});
