/**
 * Bounds on what one message can make the bot hold or do (every input is hostile until checked).
 * One place, so the chat card, the message-action dialog and their size probes agree.
 */

/** Files on one picker card or dialog, and so size probes per message: readable, and within Teams' card size. */
export const MAX_FILES_PER_CARD = 10;

/**
 * Longest download, sharing or image link kept. Teams' pre-authorized download URLs and
 * SharePoint addresses are far shorter; anything longer is refused rather than stored.
 */
export const MAX_URL_LENGTH = 4096;

/** Characters of a message's text kept with a dialog (preview 300, task title 255). */
export const MAX_KEPT_MESSAGE_CHARS = 2000;
