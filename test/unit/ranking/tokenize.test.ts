import fc from 'fast-check';
import { capLength, fold, foldAccents } from '../../../src/ranking/normalize';
import { fileNameStem, TEXT_CAPS, tokenize } from '../../../src/ranking/tokenize';

const file = (name: string): string[] => tokenize(name, { fileName: true, maxChars: TEXT_CAPS.fileName });
const text = (t: string): string[] => tokenize(t, { maxChars: TEXT_CAPS.message, markup: true });

describe('normalise', () => {
  it('strips accents and folds case, so spellings with and without them meet', () => {
    expect(fold('Prüfbericht Lefèvre ÉTÉ São Paulo Señor')).toBe('prufbericht lefevre ete sao paulo senor');
    expect(fold('Straße Øresund Łódź Æble İstanbul')).toBe('strasse oresund lodz aeble istanbul');
  });

  it('maps full-width and compatibility forms to their plain letters (NFKD)', () => {
    expect(fold('ＦＹ２５ ﬁnal')).toBe('fy25 final');
  });

  it('keeps Japanese voiced kana whole (バグ is not ハク)', () => {
    expect(foldAccents('バグ ガイド')).toBe('バグ ガイド');
  });

  it('cuts long text without splitting a surrogate pair', () => {
    const s = `${'a'.repeat(9)}😀tail`;
    expect(capLength(s, 10)).toBe('a'.repeat(9));
    expect(capLength(s, 11)).toBe(`${'a'.repeat(9)}😀`);
  });
});

describe('tokenise', () => {
  it('splits separators, camelCase and letter/digit boundaries, drops the extension', () => {
    expect(file('AnaSouza_laptop-checklist.pdf')).toEqual(['ana', 'souza', 'laptop', 'checklist']);
    expect(file('ReleaseNotesEN.docx')).toEqual(['release', 'notes', 'en']);
    expect(file('Latitude5450 x20.pdf')).toEqual(['latitude', '5450', '20']);
    expect(file('INC4821_vpn.log')).toEqual(['inc', '4821', 'vpn']);
  });

  it('drops the "(2)" of a copied download and the version, keeps meaningful numbers', () => {
    expect(file('Budget v2 (3).xlsx')).toEqual(['budget']);
    expect(file('Avenant 2 bail.pdf')).toEqual(['avenant', '2', 'bail']);
  });

  it('reads quarters, fiscal years and half-years as one token', () => {
    expect(file('Q3 FY2027 H2 fy 26.xlsx')).toEqual(['q3', 'fy27', 'h2', 'fy26']);
  });

  it('reads dates in several formats as month and year tokens', () => {
    expect(file('Bank_Rec_March2026.xlsx')).toEqual(['bank', 'rec', '#m03', '2026']);
    expect(file('report 2026-03-12.pdf')).toEqual(['2026', '#m03', 'report']);
    expect(file('IC recon 03.2026.xlsx')).toEqual(['2026', '#m03', 'ic', 'recon']);
    expect(file('Protokoll 12.03.2026.docx')).toEqual(['2026', '#m03', 'protokoll']);
    expect(file('Scan_20260409_1132.pdf')).toEqual(['2026', '#m04', 'scan', '1132']);
    expect(file('Reisekosten_Feb26.pdf')).toEqual(['reisekosten', '#m02', '2026']);
    expect(file('Facture_042026.pdf')).toEqual(['2026', '#m04', 'facture']);
    expect(file('Informe Marzo, März, mars, março.pdf')).toEqual(['informe', '#m03', '#m03', '#m03', '#m03']);
    expect(file('請求書_2026年4月.pdf')).toEqual(['2026', '#m04', '請求', '求書']);
  });

  it('drops the time of a screenshot and reads "may" as a month only beside a number', () => {
    expect(file('Screenshot 2026-03-02 at 21.14.07.png')).toEqual(['2026', '#m03', 'screenshot', 'at']);
    expect(text('May 2026 report')).toEqual(['#m05', '2026', 'report']);
    expect(text('may I ask')).toEqual(['may', 'ask']);
  });

  it('cuts CJK text into character pairs at particles, without crashing on mixed scripts', () => {
    expect(text('見積書を株式会社へ送付')).toEqual(['見積', '積書', '株式', '式会', '会社', '送付']);
    expect(text('App Store用')).toEqual(['app', 'store', '用']);
    expect(text('회의록 초안')).toEqual(['회의', '의록', '초안']);
  });

  it('treats emoji and symbols as separators', () => {
    expect(text('🎉 launch🚀plan ✅ №5')).toEqual(['launch', 'plan', 'no', '5']);
  });

  it('reads message markup and links as nothing', () => {
    expect(text('<p>See <a href="https://contoso.sharepoint.com/x?token=abc">the deck</a>&nbsp;here</p>')).toEqual(['see', 'the', 'deck', 'here']);
  });

  it('reads no more than its cap of a huge input', () => {
    const huge = `${'word '.repeat(200_000)}tail`;
    const tokens = tokenize(huge, { maxChars: TEXT_CAPS.message });
    expect(tokens.length).toBe(TEXT_CAPS.message / 5);
    expect(tokens).not.toContain('tail');
  });

  it('never throws and never yields an empty token, whatever the string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        for (const fileName of [true, false]) {
          const tokens = tokenize(s, { fileName, maxChars: 255 });
          expect(tokens.every((t) => t.length > 0)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the name when the "extension" is not one', () => {
    expect(fileNameStem('release_notes_3.2')).toBe('release_notes_3.2');
    expect(fileNameStem('portal.contoso.com.csr')).toBe('portal.contoso.com');
  });
});
