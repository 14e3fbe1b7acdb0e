import type { AdaptiveCardJson } from '../cards/render';

/** What an invoke handler answers; sent back on the invoke's own HTTP request. */
export interface InvokeResult {
  status: number;
  body?: unknown;
}

/** Replaces the card for the user who pressed the button (Universal Actions). */
export function cardResponse(card: AdaptiveCardJson): InvokeResult {
  return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } };
}

/** Shows a short text to the user who pressed the button; the card stays as it is. */
export function messageResponse(text: string): InvokeResult {
  return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text } };
}

export function searchResponse(results: Array<{ title: string; value: string }>): InvokeResult {
  return {
    status: 200,
    body: { statusCode: 200, type: 'application/vnd.microsoft.search.searchResponse', value: { results } },
  };
}
