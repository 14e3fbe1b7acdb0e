import { randomBytes } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { Config } from './config';
import { AppError, toAppError } from './errors';
import type { GraphTodoEmulator } from './emulators/graph-todo';
import { startIdentityEmulators, type IdentityStack } from './emulators/identity-stack';
import { cloudEndpoints } from './graph/clouds';
import { userPath } from './graph/paths';
import type { TokenProvider } from './graph/types';
import { AppOnlyTokens } from './identity/app-only-tokens';
import { ExchangeDeduplicator } from './identity/exchange-dedup';
import { PendingActions } from './identity/pending-actions';
import { RetryingTokenService } from './identity/retrying-token-service';
import { UserTokenCache } from './identity/token-cache';
import { teamsSignInUser, type UserTokenService } from './identity/user-tokens';
import { FileRecordStore } from './jobs/record-store';
import { meteredTokenService } from './observability/instrumented';
import type { AppMetrics } from './observability/metrics';
import type { RetryPolicy } from './retry';
import type { TodoAttachBot } from './teams/bot';
import { createBotAuthentication, type BotAuthentication, type BotAuthSettings } from './teams/bot-authentication';
import { SignInFlow, type PendingSignInAction, type SignInJobs } from './teams/sign-in';
import { turnUserTokenClient } from './teams/sign-in-card';
import { resumeAfterSignIn } from './teams/sign-in-resume';
import { TokenServiceClient } from './teams/token-service-client';

/**
 * Who the bot is and how it gets Graph tokens, by mode:
 * - local (no MicrosoftAppId): no authentication, one fixed token for the built-in Graph emulator;
 * - delegated (default with credentials): user tokens from the Bot Framework Token Service,
 *   sign-in in front of the bot;
 * - application (GRAPH_AUTH=application): app-only Graph tokens, /users/{oid}/todo, no sign-in;
 * - LOCAL_SIGN_IN: delegated against the built-in identity emulators (npm start).
 */

export interface GraphUser {
  userId: string;
  aadObjectId?: string | undefined;
  tenantId?: string | undefined;
}

export interface AppIdentity {
  botAuth: BotAuthentication;
  /** The bot's app id ('' in local mode). */
  appId: string;
  tokenFor(user: GraphUser): TokenProvider;
  /** Graph path of the user's resources (`/me` unless in application mode). */
  userPathFor(user: GraphUser): string;
  /**
   * GRAPH_AUTH=application: Graph answers with the app's own permissions (Files.Read.All), not
   * the user's, so it cannot tell whether the user may open a shared file or a message's image.
   */
  appOnlyGraph: boolean;
  /** The bot behind the sign-in flow (delegated mode), or the bot alone. */
  front(bot: TodoAttachBot, jobs: SignInJobs): (context: TurnContext) => Promise<void>;
  /** The identity emulators LOCAL_SIGN_IN started (undefined otherwise). */
  emulators: IdentityStack | undefined;
  close(): Promise<void>;
}

/** The app registration LOCAL_SIGN_IN makes up for itself in the Entra emulator. */
export const LOCAL_SIGN_IN_APP_ID = '0b07a11c-0000-4000-8000-00000000a771';

export async function setUpIdentity(
  config: Config,
  options: { logger: Logger; retryPolicy: RetryPolicy; localToken: string | undefined; graphEmulator: GraphTodoEmulator | undefined; metrics?: AppMetrics },
): Promise<AppIdentity> {
  const { logger, retryPolicy } = options;
  // Each attempt is counted (inside the retrying layer): token-service calls on /metrics.
  const metered = (inner: UserTokenService): UserTokenService => (options.metrics ? meteredTokenService(inner, options.metrics) : inner);
  let stack: IdentityStack | undefined;
  let settings: BotAuthSettings = { bot: config.bot, botFramework: config.localMode ? undefined : config.botFramework };
  if (config.localSignIn) {
    stack = await startIdentityEmulators({ appId: LOCAL_SIGN_IN_APP_ID, appPassword: randomBytes(24).toString('base64url'), ...(options.graphEmulator ? { graph: options.graphEmulator } : {}) });
    const s = stack.settings;
    settings = {
      bot: { ...config.bot, appId: LOCAL_SIGN_IN_APP_ID, appPassword: s['MicrosoftAppPassword'], appType: 'MultiTenant', tenantId: undefined, oauthConnectionName: stack.connectionName },
      botFramework: {
        ...config.botFramework,
        OAuthUrl: stack.tokenService.baseUrl,
        ToChannelFromBotLoginUrl: String(s['ToChannelFromBotLoginUrl']),
        ToBotFromChannelTokenIssuer: stack.openid.issuer,
        ToBotFromChannelOpenIdMetadataUrl: stack.openid.metadataUrl,
        // Nothing may reach the internet from npm start, not even for an emulator-style token.
        ToBotFromEmulatorOpenIdMetadataUrl: stack.openid.metadataUrl,
      },
    };
    logger.warn('LOCAL_SIGN_IN: the bot authenticates activities and signs users in against the built-in identity emulators (loopback only).');
  }
  const botAuth = createBotAuthentication(settings);
  const appId = settings.bot.appId ?? '';
  const close = async (): Promise<void> => {
    await stack?.close();
  };

  if (!botAuth.required) {
    const token = options.localToken;
    return {
      botAuth,
      appId,
      tokenFor: () => {
        if (!token) throw new AppError('CONFIG_INVALID', 'LOCAL_GRAPH_TOKEN must be set when GRAPH_BASE_URL points at a Graph outside this process in local mode.');
        return async () => token;
      },
      userPathFor: () => '/me',
      appOnlyGraph: false,
      front: (bot) => (context) => bot.run(context),
      emulators: stack,
      close,
    };
  }

  if (config.graphAuth === 'application') {
    const bot = settings.bot;
    const appOnly = new AppOnlyTokens({
      appId,
      credential: {
        secret: bot.appPassword,
        certificate: bot.certificateThumbprint !== undefined && bot.certificatePrivateKey !== undefined ? { thumbprint: bot.certificateThumbprint, privateKey: bot.certificatePrivateKey } : undefined,
      },
      loginUrl: settings.botFramework?.ToChannelFromBotLoginUrl ?? config.botFramework.ToChannelFromBotLoginUrl,
      graphResource: cloudEndpoints(config.cloud).graph,
      defaultTenantId: bot.tenantId,
    });
    logger.info('GRAPH_AUTH=application: Graph is called with the bot’s own application permissions (no sign-in).');
    return {
      botAuth,
      appId,
      tokenFor: (user) => appOnly.provider(user.tenantId),
      userPathFor: (user) => userPath(user.aadObjectId),
      appOnlyGraph: true,
      front: (b) => (context) => b.run(context),
      emulators: stack,
      close,
    };
  }

  const connectionName = settings.bot.oauthConnectionName;
  if (connectionName === undefined) throw new AppError('CONFIG_INVALID', 'OAUTH_CONNECTION_NAME is required for delegated sign-in.');
  // Background: only the bot's credentials and the stored user id are needed (works after a restart).
  const background = new RetryingTokenService(metered(new TokenServiceClient(() => botAuth.backgroundUserTokenClient(), connectionName)), retryPolicy, logger);
  const tokens = new UserTokenCache(background);
  // In a turn: the turn's own client, retried briefly (an invoke is answered within seconds).
  const foreground: RetryPolicy = { ...retryPolicy, maxAttempts: Math.min(retryPolicy.maxAttempts, 3), maxTotalMs: Math.min(retryPolicy.maxTotalMs, 5_000) };
  const records = await FileRecordStore.open(config.dataDir, { onSweepError: (err) => logger.warn({ err: toAppError(err).toLog() }, 'sign-in claim record sweep failed') });
  const dedup = new ExchangeDeduplicator(records);
  const pending = new PendingActions<PendingSignInAction>();
  return {
    botAuth,
    appId,
    tokenFor: (user) => tokens.provider(teamsSignInUser(user.userId)),
    userPathFor: () => '/me',
    appOnlyGraph: false,
    front: (bot, jobs) => {
      const flow = new SignInFlow({
        appId,
        connectionName,
        tokens,
        turnTokenService: (context) => new RetryingTokenService(metered(new TokenServiceClient(async () => turnUserTokenClient(context), connectionName)), foreground, logger),
        dedup,
        pending,
        jobs,
        logger,
        resume: resumeAfterSignIn(bot),
      });
      return async (context) => {
        if (await flow.intercept(context)) return;
        await bot.run(context);
      };
    },
    emulators: stack,
    close: async () => {
      records.close();
      await close();
    },
  };
}
