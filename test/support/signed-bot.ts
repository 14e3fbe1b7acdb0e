import { BotConnectorEmulator } from '../../src/emulators/bot-connector';
import { startIdentityEmulators, type IdentityStack } from '../../src/emulators/identity-stack';
import type { Env } from '../../src/config';
import { BotHarness, TENANT } from './bot-harness';
import { startEmulators, type Emulators } from './emulators';

/** The bot's Entra app in the credentialed tests (GUID-shaped, like a real app id). */
export const APP_ID = '5b0e2f6a-7c1d-4e3b-9a8f-0123456789ab';
export const APP_SECRET = 'emulated-client-secret';

export interface SignedBot {
  h: BotHarness;
  id: IdentityStack;
  /** A channel token for an activity, as Teams' connector signs it. */
  channelToken(serviceUrl: string): string;
  close(): Promise<void>;
}

/**
 * The real bot in credentialed mode (MicrosoftAppId, secret, OAuth connection) against the
 * emulators: Graph and the file host, the Bot Connector, Entra ID, the channel's OpenID keys and
 * the token service. Every activity the harness posts carries a channel token.
 */
export async function startSignedBot(options: { env?: Env; emulators?: Emulators; identity?: IdentityStack; dataDir?: string } = {}): Promise<SignedBot> {
  const emulators = options.emulators ?? (await startEmulators());
  const id = options.identity ?? (await startIdentityEmulators({ appId: APP_ID, appPassword: APP_SECRET, graph: emulators.graph }));
  const connector = await BotConnectorEmulator.start();
  const channelToken = (serviceUrl: string): string => id.openid.channelToken({ appId: APP_ID, serviceUrl });
  const h = await BotHarness.start({
    emulators,
    connector,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    env: { ...id.settings, LOCAL_GRAPH_TOKEN: undefined, ALLOWED_TENANTS: TENANT, ...options.env },
    sign: (activity) => `Bearer ${channelToken(String(activity['serviceUrl'] ?? ''))}`,
  });
  const bot: SignedBot = {
    h,
    id,
    channelToken,
    // The harness in use now (a test may have restarted it: bot.h = await bot.h.restart()).
    close: async () => {
      await bot.h.close();
      await id.close();
    },
  };
  return bot;
}
