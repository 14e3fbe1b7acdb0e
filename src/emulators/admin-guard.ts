import type { IncomingMessage } from 'node:http';
import { hostIsLoopback } from '../http/loopback-host';

/**
 * The emulators' admin routes (/_emulator/*) arm faults, shape bandwidth and show state. They
 * are loopback tooling, guarded like the companion page: only loopback names in `Host` (a page
 * using DNS rebinding sends its own name), changes only with a custom header (a page cannot send
 * one cross-site without a CORS preflight, which the emulators never grant), bodies only as JSON.
 */

export const ADMIN_HEADER = 'x-emulator-admin';

export interface AdminRefusal {
  status: 403 | 415 | 421;
  message: string;
}

/** Why this admin request is refused, or undefined when it may go ahead. */
export function adminRefusal(req: IncomingMessage): AdminRefusal | undefined {
  if (!hostIsLoopback(req)) {
    return { status: 421, message: 'Emulator admin routes answer only on http://127.0.0.1 or http://localhost.' };
  }
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return undefined;
  if (req.headers[ADMIN_HEADER] !== '1') {
    return { status: 403, message: `Changes to an emulator need the header ${ADMIN_HEADER}: 1.` };
  }
  const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (hasBody && type !== 'application/json') return { status: 415, message: 'Emulator admin bodies must be application/json.' };
  return undefined;
}
