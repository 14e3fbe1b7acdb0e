import { createHash, generateKeyPairSync } from 'node:crypto';
import { startIdentityEmulators } from '../../../src/emulators/identity-stack';
import { cardText } from '../../support/bot-harness';
import { startEmulators } from '../../support/emulators';
import { APP_ID, startSignedBot, type SignedBot } from '../../support/signed-bot';
import { teamsSso, waitForOAuthCard } from '../../support/sign-in';

jest.setTimeout(60_000);

/** A bot whose app credential is a certificate: msal-node signs a client assertion for each of its tokens. */
let bot: SignedBot;
beforeAll(async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const thumbprint = createHash('sha1').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').toUpperCase();
  const emulators = await startEmulators();
  const identity = await startIdentityEmulators({
    appId: APP_ID,
    certificate: { thumbprint, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() },
    graph: emulators.graph,
  });
  bot = await startSignedBot({
    emulators,
    identity,
    env: { CertificateThumbprint: thumbprint, CertificatePrivateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
  });
});
afterAll(async () => {
  await bot.close();
});

test('connector replies and token service calls carry the bot’s certificate-based token', async () => {
  await bot.h.sendText('status');
  const card = await waitForOAuthCard(bot.h);
  expect((await teamsSso(bot, card)).status).toBe(200);
  const status = await bot.h.waitForCard(1);
  expect(cardText(status.card)).toMatch(/Your transfers/);
  expect(bot.id.entra.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).every((r) => r.status === 200)).toBe(true);
});
