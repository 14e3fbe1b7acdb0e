import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log';
import { redactText, redactValue } from '../../../src/redact';

const DOWNLOAD_URL = 'https://contoso-my.sharepoint.com/personal/u/_layouts/15/download.aspx?UniqueId=abc&tempauth=eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.sig';
const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIiwiYXVkIjoiZ3JhcGgifQ.c2lnbmF0dXJlLXBhcnQ';

describe('redaction of download URLs and tokens', () => {
  it('keeps only the origin of a URL with tempauth', () => {
    const out = redactText(`download failed for ${DOWNLOAD_URL} after 3 tries`);
    expect(out).toBe('download failed for https://contoso-my.sharepoint.com/[redacted] after 3 tries');
    expect(out).not.toContain('tempauth');
  });

  it('redacts a Bearer token', () => {
    expect(redactText(`Authorization: Bearer ${JWT}`)).toBe('Authorization: Bearer [redacted]');
  });

  it('redacts a JWT deep in a nested object and secret-named keys', () => {
    const value = {
      job: { id: 'j1', attempts: [{ note: `token was ${JWT}`, size: 10 }] },
      headers: { authorization: 'Bearer x', accept: 'application/json' },
      downloadUrl: DOWNLOAD_URL,
    };
    const out = JSON.stringify(redactValue(value));
    expect(out).not.toContain(JWT);
    expect(out).not.toContain('tempauth');
    expect(out).not.toContain('Bearer x');
    expect(out).toContain('"size":10');
    expect(out).toContain('application/json');
  });

  it('a log line never carries the URL or the token, even when logged raw', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ destination, level: 'info' });
    log.info({ url: DOWNLOAD_URL, nested: { token: JWT, text: `see ${DOWNLOAD_URL}` } }, `fetching ${DOWNLOAD_URL}`);
    log.error({ err: Object.assign(new Error(`failed ${DOWNLOAD_URL}`), { authorization: `Bearer ${JWT}` }) }, 'failed');
    const all = lines.join('\n');
    expect(lines).toHaveLength(2);
    expect(all).not.toContain('tempauth');
    expect(all).not.toContain(JWT);
    expect(all).toContain('contoso-my.sharepoint.com');
  });
});
