/**
 * Distinct attachment names (issue 14 §2): a file whose name is already taken on the task (by
 * other bytes, or by the same file the user chose to attach again) goes up as "name (2).ext",
 * "name (3).ext"…, never over or beside an attachment of the same name. The job records the
 * name it uploads under, and the upload engine's duplicate guard looks for exactly that name.
 */

/** To Do's names are kept as typed; Windows and the web compare them without case. */
export function sameName(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
}

/** "report.final.pdf" → ["report.final", ".pdf"]; a leading dot or none: no extension. */
export function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/** The first of `name`, `name (2)`, `name (3)`… (before the extension) not in `taken`. */
export function nextFreeName(name: string, taken: Iterable<string>): string {
  const used = [...taken];
  const isFree = (candidate: string): boolean => !used.some((t) => sameName(t, candidate));
  if (isFree(name)) return name;
  const [stem, ext] = splitExtension(name);
  // A name that already ends in "(n)" counts on from there: "a (2).pdf" → "a (3).pdf".
  const m = /^(.*) \((\d{1,4})\)$/.exec(stem);
  const base = m ? (m[1] as string) : stem;
  for (let n = m ? Number(m[2]) + 1 : 2; n < 10_000; n++) {
    const candidate = `${base} (${n})${ext}`;
    if (isFree(candidate)) return candidate;
  }
  // Ten thousand namesakes: a time stamp keeps it distinct.
  return `${base} (${Date.now()})${ext}`;
}
