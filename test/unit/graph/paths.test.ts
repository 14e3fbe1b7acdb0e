import { attachmentIdFromLocation, attachmentPath, odataQuery, odataString, taskFilter, taskPath } from '../../../src/graph/paths';

describe('Graph paths', () => {
  it('encodes each id segment on its own (ids hold =, -, +, /)', () => {
    expect(taskPath('AAMk-ab=', 'x+y/z==')).toBe('/todo/lists/AAMk-ab%3D/tasks/x%2By%2Fz%3D%3D');
    expect(attachmentPath('l', 't', 'a/b')).toBe('/todo/lists/l/tasks/t/attachments/a%2Fb');
  });
});

describe('OData text', () => {
  it('doubles single quotes in string literals', () => {
    expect(odataString("Bob's 'plan'")).toBe("'Bob''s ''plan'''");
  });

  it('joins the title search and the status clause with and', () => {
    expect(taskFilter({ search: "it's", excludeCompleted: true })).toBe("contains(title,'it''s') and status ne 'completed'");
    expect(taskFilter({ excludeCompleted: true })).toBe("status ne 'completed'");
    expect(taskFilter({ search: '  ' })).toBeUndefined();
  });

  it('keeps $ in option names and percent-encodes values', () => {
    expect(odataQuery({ $filter: "status ne 'completed'", $top: 10, $skip: undefined })).toBe("?$filter=status%20ne%20'completed'&$top=10");
    expect(odataQuery({})).toBe('');
  });
});

describe('attachment id from the Location header', () => {
  it.each([
    ["https://graph.microsoft.com/v1.0/users('u')/todo/lists('l')/tasks('t')/Attachments('AAMkAD=')", 'AAMkAD='],
    ["https://graph.microsoft.com/v1.0/users('u')/todo/lists('l')/tasks('t')/attachments('abc-1')", 'abc-1'],
    ['https://graph.microsoft.com/v1.0/me/todo/lists/l/tasks/t/ATTACHMENTS(%27a%2Bb%2Fc%3D%27)', 'a+b/c='],
    ["/Attachments('it''s')", "it's"],
  ])('%s → %s', (location, id) => {
    expect(attachmentIdFromLocation(location)).toBe(id);
  });

  it('is undefined when absent or unrecognised', () => {
    expect(attachmentIdFromLocation(undefined)).toBeUndefined();
    expect(attachmentIdFromLocation('')).toBeUndefined();
    expect(attachmentIdFromLocation('https://graph.microsoft.com/v1.0/me/todo/lists/l/tasks/t')).toBeUndefined();
  });
});
