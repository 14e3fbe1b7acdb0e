/**
 * The one place where secrets are taken out of text before it reaches a log or a user.
 * Download URLs (Teams `tempauth`, pre-authenticated SharePoint links), upload session URLs
 * and bearer tokens are all secrets: whoever holds one can read or write the file.
 */

const URL_PATTERN = /\b(?:https?|wss?):\/\/[^\s"'<>`]+/gi;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi;
// JWTs and other long opaque tokens that may appear without a "Bearer" prefix.
const JWT_PATTERN = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** Replaces every URL with its origin only ("https://host/…"), and every token with "[redacted]". */
export function redactText(text: string): string {
  return text
    .replace(BEARER_PATTERN, 'Bearer [redacted]')
    .replace(JWT_PATTERN, '[redacted-token]')
    .replace(URL_PATTERN, (url) => {
      try {
        return `${new URL(url).origin}/[redacted]`;
      } catch {
        return '[redacted-url]';
      }
    });
}

const SECRET_KEYS = /^(authorization|token|access_?token|id_?token|refresh_?token|password|secret|client_?secret|download_?url|upload_?url|content_?url|url|location|next_?link|@odata\.nextlink|tempauth|cookie|set-cookie)$/i;

/** Deep-copies a value, redacting secret-named keys and every URL or token in strings. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: redactText(value.message) };
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redactValue(v, depth + 1);
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEYS.test(k) && v !== undefined && v !== null ? '[redacted]' : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
