import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../../src/log';
import { build } from '../../../src/server';

/** The real /api/messages server in a process of its own (its TMPDIR is the test's); prints its port. */
const server = build({
  logger: silentLogger(),
  isReady: () => true,
  isAccepting: () => true,
  handleActivity: async (_req, res) => {
    res.send(200, { ok: true });
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
