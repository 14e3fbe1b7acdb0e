import { driveItemContentPath, sharingIdFor } from '../../../src/graph/shares';
import { hostedContentUrl } from '../../../src/graph/hosted-contents';

describe('sharing ids (Graph "Encoding sharing URLs")', () => {
  test('u! + base64url without padding, as the documented example', () => {
    expect(sharingIdFor('https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1')).toBe(
      'u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx',
    );
    expect(sharingIdFor('https://contoso.sharepoint.com/a b.pdf')).not.toMatch(/[=+/]/);
    expect(driveItemContentPath('https://x.sharepoint.com/f')).toMatch(/^\/shares\/u!.+\/driveItem\/content$/);
  });
});

describe('hosted content links', () => {
  const base = 'https://graph.microsoft.com/v1.0';
  test('chat and channel images on the Graph origin are accepted, ids re-encoded', () => {
    expect(hostedContentUrl(`${base}/chats/19:abc@thread.v2/messages/17/hostedContents/aWQ9eA==/$value`, base)).toBe(
      `${base}/chats/19%3Aabc%40thread.v2/messages/17/hostedContents/aWQ9eA%3D%3D/$value`,
    );
    expect(() => hostedContentUrl(`${base}/teams/t/channels/c/messages/1/hostedContents/h/$value`, base)).not.toThrow();
  });
  test('anything else is refused: another host, another path, a query', () => {
    for (const url of [
      'https://evil.example/v1.0/chats/1/messages/2/hostedContents/3/$value',
      `${base}/me/drive/root/content`,
      `${base}/chats/1/messages/2/hostedContents/3/$value?x=1`,
      'not a url',
    ]) {
      expect(() => hostedContentUrl(url, base)).toThrow(expect.objectContaining({ code: 'DOWNLOAD_HOST_NOT_ALLOWED' }));
    }
  });
});
