/**
 * How To Do keeps a task's note: a PATCH may send HTML (Graph's update documents `body` as HTML
 * only), but a GET answers `contentType: "text"` with the markup gone (microsoft-graph-docs
 * issues 18531 and 661). The emulator stores the text a GET returns.
 */

import { decodeEntities } from '../../html-entities';

/** The text To Do shows for an HTML note: line breaks and block ends become newlines, tags go. */
export function noteTextFromHtml(html: string): string {
  const text = html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|tr)>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text).replace(/\n+$/, '');
}
