import { loadConfig } from '../../../src/config';
import { authorityFor } from '../../../src/identity/msal-apps';
import { botFrameworkOptions } from '../../../src/teams/bot-authentication';

const APP = '00000000-0000-0000-0000-000000000001';

describe('what botbuilder is given', () => {
  test('USGovDoD: the whole explicit group, so ChannelService alone cannot pick the wrong token service', () => {
    const c = loadConfig({ MicrosoftAppId: APP, MicrosoftAppPassword: 's', OAUTH_CONNECTION_NAME: 'c', CLOUD: 'USGovDoD' });
    expect(botFrameworkOptions({ bot: c.bot, botFramework: c.botFramework })).toEqual({
      MicrosoftAppId: APP,
      MicrosoftAppType: 'MultiTenant',
      MicrosoftAppPassword: 's',
      ChannelService: 'https://botframework.azure.us',
      ValidateAuthority: true,
      OAuthUrl: 'https://apiDoD.botframework.azure.us',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
      ToChannelFromBotOAuthScope: 'https://api.botframework.us',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
      ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.us/cab8a31a-1906-4287-a0d8-4eef66b95f6e/v2.0/.well-known/openid-configuration',
      CallerId: 'urn:botframework:azureusgov',
    });
  });

  test('local mode: nothing (authentication off)', () => {
    const c = loadConfig({});
    expect(botFrameworkOptions({ bot: c.bot, botFramework: undefined })).toEqual({});
  });
});

describe('msal authority for the bot’s own token', () => {
  test('the login URL’s tenant, or the app’s own for single-tenant apps', () => {
    expect(authorityFor('https://login.microsoftonline.com/botframework.com', undefined)).toMatchObject({ authority: 'https://login.microsoftonline.com/botframework.com', emulated: false });
    expect(authorityFor('https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us', 'tid-1')).toMatchObject({ authority: 'https://login.microsoftonline.us/tid-1' });
  });

  test('a loopback http login URL (the Entra emulator) gets an https authority and its endpoints as metadata', () => {
    expect(authorityFor('http://127.0.0.1:4000/botframework.com', undefined)).toEqual({
      authority: 'https://login.microsoftonline.com/botframework.com',
      tenant: 'botframework.com',
      emulated: true,
      origin: 'http://127.0.0.1:4000',
    });
    expect(() => authorityFor('http://login.example.com/x', undefined)).toThrow(/https/);
  });
});
