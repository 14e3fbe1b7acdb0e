import { AppError } from '../../../src/errors';
import { assertDownloadAllowed, isHostAllowed, isLoopbackHost } from '../../../src/sources/allowed-hosts';

const LIST = ['contoso.sharepoint.com', '*.sharepoint.com', 'files.example.org:8443', 'smba.trafficmanager.net', '127.0.0.1:9000', 'localhost', '[::1]:9001'];
const CLOUD = { allowHttpLoopback: false };
const LOCAL = { allowHttpLoopback: true };

describe('isHostAllowed', () => {
  it.each([
    ['https://contoso.sharepoint.com/personal/a/file.pdf', CLOUD, true],
    ['https://CONTOSO.SharePoint.com/x', CLOUD, true],
    ['https://contoso-my.sharepoint.com/x', CLOUD, true],
    ['https://a.b.sharepoint.com/x', CLOUD, true],
    ['https://sharepoint.com/x', CLOUD, false], // the wildcard is for subdomains only
    ['https://evilsharepoint.com/x', CLOUD, false],
    ['https://contoso.sharepoint.com.evil.net/x', CLOUD, false],
    ['https://files.example.org:8443/x', CLOUD, true],
    ['https://files.example.org/x', CLOUD, false], // the entry names a port
    ['https://files.example.org:9443/x', CLOUD, false],
    ['https://smba.trafficmanager.net/amer/v3/attachments/1', CLOUD, true],
    ['http://contoso.sharepoint.com/x', CLOUD, false], // https only
    ['http://contoso.sharepoint.com/x', LOCAL, false], // http only to loopback, even locally
    ['ftp://contoso.sharepoint.com/x', CLOUD, false],
    ['https://user:pw@contoso.sharepoint.com/x', CLOUD, false],
    ['https://attacker.example/x', CLOUD, false],
    ['http://127.0.0.1:9000/f', LOCAL, true],
    ['http://127.0.0.1:9000/f', CLOUD, false],
    ['http://127.0.0.1:9999/f', LOCAL, false],
    ['http://localhost:1234/f', LOCAL, true],
    ['http://[::1]:9001/f', LOCAL, true],
    ['http://[::1]:9002/f', LOCAL, false],
    ['http://127.0.0.2:9000/f', LOCAL, false], // loopback, but not on the list
    ['https://169.254.169.254/latest/meta-data', CLOUD, false],
  ])('%s (%j) → %s', (url, opts, expected) => {
    expect(isHostAllowed(new URL(url), LIST, opts)).toBe(expected);
  });

  it('an empty list allows nothing', () => {
    expect(isHostAllowed(new URL('https://contoso.sharepoint.com/x'), [], CLOUD)).toBe(false);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['localhost', true],
    ['[::1]', true],
    ['128.0.0.1', false],
    ['127.0.0.256', false],
    ['localhost.example.com', false],
  ])('isLoopbackHost(%s) → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('assertDownloadAllowed', () => {
  it('throws DOWNLOAD_HOST_NOT_ALLOWED naming the host but not the URL', () => {
    const url = 'https://attacker.example/path/file.pdf?tempauth=SECRET-TOKEN';
    let caught: unknown;
    try {
      assertDownloadAllowed(url, LIST, CLOUD);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    const e = caught as AppError;
    expect(e.code).toBe('DOWNLOAD_HOST_NOT_ALLOWED');
    expect(e.message).toContain('attacker.example');
    expect(e.message).not.toContain('SECRET');
    expect(e.message).not.toContain('/path');
  });

  it('refuses a string that is not a URL', () => {
    expect(() => assertDownloadAllowed('not a url', LIST, CLOUD)).toThrow(expect.objectContaining({ code: 'DOWNLOAD_HOST_NOT_ALLOWED' }));
  });

  it('returns the parsed URL when allowed', () => {
    expect(assertDownloadAllowed('https://contoso.sharepoint.com/a', LIST, CLOUD).hostname).toBe('contoso.sharepoint.com');
  });
});
