import { graphBaseUrl, graphBaseUrlFromConfig } from '../../../src/graph/clouds';
import { todoTaskWebUrl } from '../../../src/graph/links';

describe('Graph root per cloud', () => {
  it.each([
    ['Global', 'https://graph.microsoft.com/v1.0'],
    ['USGovL4', 'https://graph.microsoft.us/v1.0'],
    ['USGovL5', 'https://dod-graph.microsoft.us/v1.0'],
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
    expect(graphBaseUrlFromConfig({ graph: { cloud: 'Global', baseUrlOverride: 'http://127.0.0.1:4000/v1.0/' } })).toBe('http://127.0.0.1:4000/v1.0');
  });
});

describe('To Do web links', () => {
  it('opens the task by id in the cloud’s To Do', () => {
    expect(todoTaskWebUrl('Global', 'AAMk+x/y==', 'list-1')).toBe('https://to-do.office.com/tasks/id/AAMk%2Bx%2Fy%3D%3D/details');
    expect(todoTaskWebUrl('USGovL4', 't1')).toBe('https://to-do.office365.us/tasks/id/t1/details');
    expect(todoTaskWebUrl('USGovL5', 't1')).toBe('https://to-do.office365.us/tasks/id/t1/details');
  });

  it('refuses China', () => {
    expect(() => todoTaskWebUrl('China', 't1')).toThrow(expect.objectContaining({ code: 'CLOUD_NOT_SUPPORTED' }));
  });
});
