import { AppError, GraphError, fileTooLargeError, toAppError, userMessage } from '../../src/errors';

describe('fileTooLargeError', () => {
  test.each([
    [32_925_286, false, '“clip.mp4” is 31.4 MB; To Do accepts files up to 25 MB.'],
    [26_214_401, false, '“clip.mp4” is 25.1 MB; To Do accepts files up to 25 MB.'],
    [26_214_401, true, '“clip.mp4” is more than 25 MB; To Do accepts files up to 25 MB.'],
  ])('%d bytes (lower bound: %s)', (size, lowerBound, sentence) => {
    const err = fileTooLargeError('clip.mp4', size, lowerBound);
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.message).toBe(sentence);
    expect(userMessage(err)).toBe(sentence);
  });
});

describe('userMessage', () => {
  test('an unexpected exception becomes a sentence without its internals', () => {
    const raw = new TypeError("Cannot read properties of undefined (reading 'x') at https://graph.microsoft.com/v1.0/me?token=abc");
    const sentence = userMessage(raw);
    expect(sentence).toBe('Something went wrong on our side. Nothing was attached; please try again.');
    expect(toAppError(raw).code).toBe('INTERNAL');
  });

  test('Graph errors keep code, status, retry-after and request-id for logs, and read as sentences', () => {
    const err = new GraphError('GRAPH_THROTTLED', 'Graph throttled the request.', { status: 429, retryAfterMs: 3000, requestId: 'r-1', graphCode: 'TooManyRequests', retryable: true });
    expect(err.toLog()).toMatchObject({ code: 'GRAPH_THROTTLED', status: 429, retryAfterMs: 3000, requestId: 'r-1', graphCode: 'TooManyRequests' });
    expect(userMessage(err)).toMatch(/busy or unreachable/);
    expect(userMessage(new AppError('DOWNLOAD_EXPIRED', 'x'), 'a.pdf')).toBe('The link Teams gave for “a.pdf” has expired. Please send the file again.');
  });
});
