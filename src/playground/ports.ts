import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Port checks for `npm start`. The Agents Playground silently falls back to a random port when
 * its own is taken, so we check first and say which setting to change.
 */

/**
 * True when nothing listens on `port`. Without `host` it probes every interface, the way the
 * Playground listens (Node's default: `::`, dual-stack, or 0.0.0.0 without IPv6).
 */
export function isPortFree(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A port that was free a moment ago (for programs that need an explicit port number). */
export function freePort(host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** True for the "address already in use" error of listen(). */
export function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

/** One sentence telling the user which port is busy and how to choose another. */
export function busyPortMessage(what: string, port: number, setting: string): string {
  return `Port ${port} (${what}) is already in use by another program. Stop that program, or choose another port, e.g. ${setting}=${port + 1} npm start.`;
}
