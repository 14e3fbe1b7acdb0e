import { graphBaseUrl, graphBaseUrlFromConfig } from '../../../src/graph/clouds';
import { todoTaskWebUrl } from '../../../src/graph/links';

describe('Graph root per cloud', () => {
  it.each([
    ['Public', 'https://graph.microsoft.com/v1.0'],
    ['USGov', 'https://graph.microsoft.us/v1.0'],
    ['USGovDoD', 'https://dod-graph.microsoft.us/v1.0'],
  ] as const)('%s → %s', (cloud, url) => {
    expect(graphBaseUrl(cloud)).toBe(url);
    expect(graphBaseUrlFromConfig({ graph: { cloud, baseUrlOverride: undefined } })).toBe(url);
  });

  it('refuses China (21Vianet has no To Do attachments), even with an override', () => {
    expect(() => graphBaseUrl('China')).toThrow(expect.objectContaining({ code: 'CLOUD_NOT_SUPPORTED' }));
    expect(() => graphBaseUrlFromConfig({ graph: { cloud: 'China', baseUrlOverride: 'http://127.0.0.1:1/v1.0' } })).toThrow(
      expect.objectContaining({ code: 'CLOUD_NOT_SUPPORTED' }),
    );
  });

  it('uses the override (an emulator) without its trailing slash', () => {
    expect(graphBaseUrlFromConfig({ graph: { cloud: 'Public', baseUrlOverride: 'http://127.0.0.1:4000/v1.0/' } })).toBe('http://127.0.0.1:4000/v1.0');
  });
});

describe('To Do web links', () => {
  it('opens the task by id in the cloud’s To Do', () => {
    expect(todoTaskWebUrl('Public', 'AAMk+x/y==', 'list-1')).toBe('https://to-do.office.com/tasks/id/AAMk%2Bx%2Fy%3D%3D/details');
    expect(todoTaskWebUrl('USGov', 't1')).toBe('https://to-do.office365.us/tasks/id/t1/details');
    expect(todoTaskWebUrl('USGovDoD', 't1')).toBe('https://to-do.office365.us/tasks/id/t1/details');
  });

  it('refuses China', () => {
    expect(() => todoTaskWebUrl('China', 't1')).toThrow(expect.objectContaining({ code: 'CLOUD_NOT_SUPPORTED' }));
  });
});
