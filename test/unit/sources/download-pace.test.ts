import { PassThrough, Transform } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { DownloadPace } from '../../../src/sources/download-pace';

/** The shape http-download gives a response: the body piped through a transform the reader reads. */
function piped(pace: DownloadPace): { body: PassThrough; out: Transform } {
  const body = new PassThrough();
  const out = new Transform({ transform: (chunk: Buffer, _e, cb) => cb(null, chunk) });
  body.pipe(out);
  pace.watch(body, out);
  return { body, out };
}

function errorOf(out: Transform): Promise<{ code?: string; message: string }> {
  return new Promise((resolve) => out.once('error', (err: Error & { code?: string }) => resolve(err)));
}

test('a dripping body is stopped with DOWNLOAD_TOO_SLOW', async () => {
  const { body, out } = piped(new DownloadPace({ minBytesPerSecond: 10_000, rateWindowMs: 200, deadlineMs: 60_000 }));
  out.resume();
  const drip = setInterval(() => body.write(Buffer.alloc(1)), 20);
  const err = await errorOf(out);
  clearInterval(drip);
  expect(err.code).toBe('DOWNLOAD_TOO_SLOW');
  expect(err.message).toMatch(/minimum is 10000 bytes\/s/);
});

test('a reader that holds back (backpressure) is not blamed on the host', async () => {
  const { body, out } = piped(new DownloadPace({ minBytesPerSecond: 10_000, rateWindowMs: 200, deadlineMs: 60_000 }));
  let failed = false;
  out.on('error', () => (failed = true));
  // Far more than the stream buffers hold: the pipe pauses the body until the reader reads.
  body.end(Buffer.alloc(4 * 1024 * 1024, 1));
  await delay(1000);
  expect(body.isPaused()).toBe(true);
  let read = 0;
  out.on('data', (b: Buffer) => (read += b.length));
  await new Promise((resolve) => out.once('end', resolve));
  expect(failed).toBe(false);
  expect(read).toBe(4 * 1024 * 1024);
});

test('past the deadline, a running body is stopped and a new request is refused', async () => {
  const pace = new DownloadPace({ minBytesPerSecond: 1, rateWindowMs: 60_000, deadlineMs: 300 });
  const { body, out } = piped(pace);
  out.resume();
  const feed = setInterval(() => body.write(Buffer.alloc(1000)), 20);
  const err = await errorOf(out);
  clearInterval(feed);
  expect(err).toMatchObject({ code: 'DOWNLOAD_TOO_SLOW', message: 'The download did not finish within 0.3 s.' });
  expect(() => pace.check()).toThrow(expect.objectContaining({ code: 'DOWNLOAD_TOO_SLOW' }));
});
