import type { TaskNote } from './types';

/**
 * The task's note (todoTask `body`) for a read-modify-write that keeps what the user wrote.
 * Graph's update documents `body` as HTML only, while To Do answers a GET with `text` even for
 * a note written as HTML (microsoft-graph-docs issues 18531 and 661): a text note is escaped
 * and its line breaks kept before our line is added, so nothing the user typed is lost or read
 * as markup.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Plain text as HTML: escaped, line breaks as `<br>`. */
export function textToHtml(text: string): string {
  return escapeHtml(text).replace(/\r\n|\r|\n/g, '<br>');
}

/** The whole note as HTML, with `line` (plain text) appended on a line of its own. */
export function noteWithLine(note: TaskNote, line: string): string {
  const added = textToHtml(line);
  if (note.contentType === 'text') return note.content.trim() === '' ? added : `${textToHtml(note.content)}<br>${added}`;
  if (note.content.trim() === '') return added;
  // A whole HTML document (as Outlook writes bodies): the line goes inside its body.
  const end = note.content.search(/<\/body\s*>/i);
  return end < 0 ? `${note.content}<br>${added}` : `${note.content.slice(0, end)}<br>${added}${note.content.slice(end)}`;
}

/** Whether the note already mentions `needle` (e.g. the file's address), as text or as escaped HTML. */
export function noteMentions(note: TaskNote, needle: string): boolean {
  return note.content.includes(needle) || note.content.includes(escapeHtml(needle));
}
