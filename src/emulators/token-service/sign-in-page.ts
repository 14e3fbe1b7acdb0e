import { escapeHtml } from '../identity-http';

/**
 * The pages a user sees in the browser during the emulated sign-in-button flow: the token
 * service's sign-in link opens a consent page; accepting it shows the six-digit code the user
 * then types into the chat (or Teams passes on through `signin/verifyState`).
 */

export function consentPage(input: { userName: string; connectionName: string; action: string }): string {
  return `<h1>Sign in to Microsoft To Do</h1>
<p>Emulated Microsoft Entra sign-in for <strong>${escapeHtml(input.userName)}</strong>.</p>
<p>The bot asks for access to your tasks (connection <code>${escapeHtml(input.connectionName)}</code>).</p>
<form method="post" action="${escapeHtml(input.action)}"><button type="submit" id="accept">Accept and sign in</button></form>`;
}

export function codePage(code: string): string {
  return `<h1>You are signed in</h1>
<p>To finish, type this code in your chat with the bot:</p>
<p id="code">${escapeHtml(code)}</p>
<p>The code works once, for the next five minutes.</p>`;
}

export function expiredPage(): string {
  return '<h1>This sign-in link has expired</h1><p>Go back to the chat and use the Sign in button again.</p>';
}
