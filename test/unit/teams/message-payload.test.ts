import { parseMessagePayload } from '../../../src/teams/message-payload';

/**
 * Files of a message action's payload. Teams names a `reference` attachment's address and
 * name at the top level; the Agents Playground passes only `{ id, contentType, content }` with
 * `content` as JSON text, so they are read from there when missing.
 */

const URL_A = 'https://contoso.sharepoint.com/sites/Sales/Shared%20Documents/General/Plan.pdf';

function payload(attachments: unknown[]): Record<string, unknown> {
  return { id: '1732791000000', body: { contentType: 'html', content: '<p>Plan</p>' }, attachments, linkToMessage: '' };
}

test('a Playground reference attachment (name and address inside JSON content) becomes a shared file', () => {
  const parsed = parseMessagePayload(payload([{ id: '0', contentType: 'reference', content: JSON.stringify({ name: 'Plan.pdf', contentUrl: URL_A }) }]));
  expect(parsed?.files).toEqual([expect.objectContaining({ id: '0', kind: 'file', name: 'Plan.pdf', contentType: 'application/pdf', source: { kind: 'share', sharingUrl: URL_A } })]);
  // The Playground sends an empty deep link: none is kept.
  expect(parsed?.message.link).toBeUndefined();
});

test('Teams’ top-level name and address win over content; unreadable content is ignored', () => {
  const parsed = parseMessagePayload(
    payload([
      { id: 'a', contentType: 'reference', contentUrl: URL_A, name: 'Plan.pdf', content: JSON.stringify({ name: 'Other.pdf', contentUrl: 'https://evil.example/x' }) },
      { id: 'b', contentType: 'reference', content: 'not json' },
      { id: 'c', contentType: 'reference', content: JSON.stringify({ name: 'No address.pdf' }) },
      { id: 'd', contentType: 'text/html', content: JSON.stringify({ name: 'x.pdf', contentUrl: URL_A }) },
    ]),
  );
  expect(parsed?.files.map((f) => [f.name, f.source])).toEqual([['Plan.pdf', { kind: 'share', sharingUrl: URL_A }]]);
});
