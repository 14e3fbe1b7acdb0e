import { z } from 'zod';
import { isLoopbackHost } from './sources/allowed-hosts';
import {
  BOT_FRAMEWORK_PRESETS,
  DEFAULT_DOWNLOAD_HOSTS,
  LEGACY_CLOUD_NAMES,
  SUPPORTED_CLOUDS,
  type BotFrameworkEndpoints,
  type SupportedCloud,
} from './identity/cloud-presets';

/**
 * The identity part of the configuration (Bot Framework credentials and endpoints, the OAuth
 * connection, the cloud, tenants, Graph auth mode). Called by loadConfig in src/config.ts with
 * the same environment map; nothing here reads process.env.
 *
 * The Bot Framework keys keep botbuilder's own names (ConfigurationBotFrameworkAuthentication),
 * so an Azure Bot's documented settings can be pasted in as they are.
 */

const text = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const bool = text.pipe(
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'True', 'False'], { error: 'must be true or false' })
    .transform((v) => ['true', '1', 'yes', 'True'].includes(v))
    .optional(),
);

/** https, or plain http to a loopback host (the built-in emulators). */
const endpoint = text.pipe(
  z
    .string()
    .refine((v) => isEndpointUrl(v), 'must be an https URL (plain http only for a loopback address such as 127.0.0.1)')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const IdentityEnvSchema = z.object({
  MicrosoftAppId: text,
  MicrosoftAppPassword: text,
  MicrosoftAppTenantId: text,
  MicrosoftAppType: text.pipe(z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional()),
  CertificateThumbprint: text.pipe(z.string().regex(/^[0-9A-Fa-f]{40}$/, 'must be the certificate’s SHA-1 thumbprint (40 hex digits)').optional()),
  CertificatePrivateKey: text.pipe(z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key (-----BEGIN PRIVATE KEY-----…)' }).optional()),
  ChannelService: endpoint,
  ValidateAuthority: bool,
  OAuthUrl: endpoint,
  ToBotFromChannelOpenIdMetadataUrl: endpoint,
  ToBotFromChannelTokenIssuer: text,
  ToChannelFromBotLoginUrl: endpoint,
  ToChannelFromBotOAuthScope: text,
  OAUTH_CONNECTION_NAME: text,
  /** Deprecated name of OAUTH_CONNECTION_NAME. */
  SSO_CONNECTION_NAME: text,
  CLOUD: text,
  /** Deprecated: Global | USGovL4 | USGovL5, replaced by CLOUD. */
  GRAPH_CLOUD: text,
  ALLOWED_TENANTS: text,
  GRAPH_AUTH: text.pipe(z.enum(['delegated', 'application']).optional()),
  LOCAL_SIGN_IN: bool,
});
export type IdentityEnv = z.infer<typeof IdentityEnvSchema>;

export type AppType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';

export interface BotIdentity {
  appId: string | undefined;
  appPassword: string | undefined;
  tenantId: string | undefined;
  appType: AppType;
  certificateThumbprint: string | undefined;
  certificatePrivateKey: string | undefined;
  /** The Azure Bot's OAuth connection (Azure AD v2, token exchange URL api://botid-{appId}). */
  oauthConnectionName: string | undefined;
}

export interface IdentityConfig {
  cloud: SupportedCloud;
  bot: BotIdentity;
  /** The explicit ConfigurationBotFrameworkAuthentication group: the cloud's preset, each key overridable. */
  botFramework: BotFrameworkEndpoints & { ValidateAuthority: boolean };
  /** `delegated`: user tokens from the token service. `application`: app-only Graph tokens (Tasks.ReadWrite.All). */
  graphAuth: 'delegated' | 'application';
  /** Tenant ids (lower case) whose activities are served; undefined: every tenant. */
  allowedTenants: string[] | undefined;
  /** LOCAL_SIGN_IN: credentialed mode against the built-in identity emulators (npm start). */
  localSignIn: boolean;
  /** The cloud's SharePoint hosts, used when ALLOWED_DOWNLOAD_HOSTS is unset outside local mode. */
  defaultDownloadHosts: readonly string[];
  /** Deprecation notes for the log at start. */
  warnings: string[];
}

export function isEndpointUrl(v: string): boolean {
  try {
    const u = new URL(v);
    if (u.username !== '' || u.password !== '') return false;
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
  } catch {
    return false;
  }
}

/**
 * Resolves the identity settings; pushes each problem (a sentence naming the variable) onto
 * `problems` instead of throwing, so one run reports every mistake at once.
 */
export function resolveIdentity(e: IdentityEnv, problems: string[]): IdentityConfig {
  const warnings: string[] = [];
  const cloud = resolveCloud(e, problems, warnings);
  const localMode = e.MicrosoftAppId === undefined;
  const appType: AppType = e.MicrosoftAppType ?? 'MultiTenant';
  const localSignIn = e.LOCAL_SIGN_IN ?? false;
  const graphAuth = e.GRAPH_AUTH ?? 'delegated';

  let connection = e.OAUTH_CONNECTION_NAME;
  if (e.SSO_CONNECTION_NAME !== undefined) {
    if (connection === undefined) {
      connection = e.SSO_CONNECTION_NAME;
      warnings.push('SSO_CONNECTION_NAME is deprecated: rename it OAUTH_CONNECTION_NAME.');
    } else if (connection !== e.SSO_CONNECTION_NAME) {
      problems.push('SSO_CONNECTION_NAME: contradicts OAUTH_CONNECTION_NAME; remove the old name');
    }
  }

  const withCertificate = e.CertificateThumbprint !== undefined || e.CertificatePrivateKey !== undefined;
  if (localSignIn) {
    if (!localMode) problems.push('LOCAL_SIGN_IN: runs its own app registration against the built-in emulators; unset MicrosoftAppId');
    if (graphAuth !== 'delegated') problems.push('LOCAL_SIGN_IN: shows delegated sign-in; unset GRAPH_AUTH');
  } else if (localMode) {
    if (graphAuth === 'application') problems.push('GRAPH_AUTH: application needs the bot’s credentials (MicrosoftAppId and a secret or certificate)');
  } else {
    if (withCertificate && (e.CertificateThumbprint === undefined || e.CertificatePrivateKey === undefined)) {
      problems.push('CertificateThumbprint, CertificatePrivateKey: set both to use a certificate');
    }
    if (appType === 'UserAssignedMSI') {
      if (e.MicrosoftAppPassword !== undefined || withCertificate) problems.push('MicrosoftAppPassword: a managed identity (UserAssignedMSI) takes no secret or certificate');
      if (graphAuth === 'application') problems.push('GRAPH_AUTH: application needs a secret or certificate; a managed identity is not supported for it');
    } else if (e.MicrosoftAppPassword === undefined && !withCertificate) {
      problems.push('MicrosoftAppPassword: required (or CertificateThumbprint and CertificatePrivateKey) with MicrosoftAppId');
    } else if (e.MicrosoftAppPassword !== undefined && withCertificate) {
      problems.push('MicrosoftAppPassword: set a secret or a certificate, not both');
    }
    if ((appType === 'SingleTenant' || appType === 'UserAssignedMSI') && e.MicrosoftAppTenantId === undefined) {
      problems.push(`MicrosoftAppTenantId: required for MicrosoftAppType=${appType}`);
    }
    if (graphAuth === 'delegated' && connection === undefined) {
      problems.push('OAUTH_CONNECTION_NAME: required with MicrosoftAppId (the name of the Azure Bot’s OAuth connection)');
    }
  }

  const preset = BOT_FRAMEWORK_PRESETS[cloud];
  const botFramework = {
    ChannelService: e.ChannelService ?? preset.ChannelService,
    ValidateAuthority: e.ValidateAuthority ?? true,
    OAuthUrl: e.OAuthUrl ?? preset.OAuthUrl,
    ToChannelFromBotLoginUrl: e.ToChannelFromBotLoginUrl ?? preset.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: e.ToChannelFromBotOAuthScope ?? preset.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: e.ToBotFromChannelTokenIssuer ?? preset.ToBotFromChannelTokenIssuer,
    ToBotFromChannelOpenIdMetadataUrl: e.ToBotFromChannelOpenIdMetadataUrl ?? preset.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: preset.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: preset.CallerId,
  };

  return {
    cloud,
    bot: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      tenantId: e.MicrosoftAppTenantId,
      appType,
      certificateThumbprint: e.CertificateThumbprint,
      certificatePrivateKey: e.CertificatePrivateKey,
      oauthConnectionName: connection,
    },
    botFramework,
    graphAuth,
    allowedTenants: resolveTenants(e, appType, localMode, problems),
    localSignIn,
    defaultDownloadHosts: DEFAULT_DOWNLOAD_HOSTS[cloud],
    warnings,
  };
}

function resolveCloud(e: IdentityEnv, problems: string[], warnings: string[]): SupportedCloud {
  let name = e.CLOUD;
  if (e.GRAPH_CLOUD !== undefined) {
    const mapped = LEGACY_CLOUD_NAMES[e.GRAPH_CLOUD];
    if (mapped === undefined) {
      problems.push('GRAPH_CLOUD: must be Global, USGovL4 or USGovL5 (deprecated: use CLOUD=Public, USGov or USGovDoD)');
    } else if (name === undefined) {
      name = mapped;
      warnings.push(`GRAPH_CLOUD is deprecated: use CLOUD=${mapped} instead of GRAPH_CLOUD=${e.GRAPH_CLOUD}.`);
    } else if (name !== mapped) {
      problems.push(`GRAPH_CLOUD: ${e.GRAPH_CLOUD} contradicts CLOUD=${name}; remove GRAPH_CLOUD`);
    }
  }
  if (name === undefined && e.ChannelService !== undefined && e.ChannelService === BOT_FRAMEWORK_PRESETS.USGov.ChannelService) {
    // ChannelService alone used to select the US Government cloud in botbuilder.
    warnings.push('ChannelService names the US Government cloud: assuming CLOUD=USGov (GCC High); set CLOUD=USGov or USGovDoD explicitly.');
    name = 'USGov';
  }
  if (name === 'China') {
    problems.push('CLOUD: China (21Vianet) is not supported: Microsoft To Do has no task attachments there');
    return 'Public';
  }
  if (name === undefined) return 'Public';
  if (!(SUPPORTED_CLOUDS as readonly string[]).includes(name)) {
    problems.push('CLOUD: must be Public, USGov (GCC High) or USGovDoD');
    return 'Public';
  }
  const cloud = name as SupportedCloud;
  if (cloud === 'Public' && e.ChannelService !== undefined) {
    problems.push('ChannelService: the public cloud has none; unset it or set CLOUD=USGov or USGovDoD');
  }
  return cloud;
}

function resolveTenants(e: IdentityEnv, appType: AppType, localMode: boolean, problems: string[]): string[] | undefined {
  if (e.ALLOWED_TENANTS !== undefined) {
    const ids = e.ALLOWED_TENANTS.split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t.length > 0);
    const bad = ids.filter((t) => !GUID.test(t));
    if (ids.length === 0 || bad.length > 0) problems.push('ALLOWED_TENANTS: must be comma-separated tenant ids (GUIDs)');
    return ids;
  }
  if (!localMode && (appType === 'SingleTenant' || appType === 'UserAssignedMSI') && e.MicrosoftAppTenantId !== undefined) {
    return [e.MicrosoftAppTenantId.toLowerCase()];
  }
  return undefined;
}
