import { request } from 'undici';
import { startChannelProxy, type ChannelProxy } from '../../../src/playground/channel-proxy';
import { APP_ID, startSignedBot, type SignedBot } from '../../support/signed-bot';
import { listSearchFromMegan as invokeFromMegan, listTitles as titles } from '../../support/list-search';
import { oauthCards, teamsSso, waitForOAuthCard } from '../../support/sign-in';

jest.setTimeout(120_000);

/**
 * LOCAL_SIGN_IN's channel proxy (src/playground/channel-proxy.ts) signs what reaches it as the
 * Bot Framework channel would, so it must take only what the Agents Playground sends (found by
 * review): a loopback Host (DNS rebinding), no other site's Origin, application/json (a
 * cross-site page can send text/plain without a CORS preflight) and a loopback serviceUrl.
 */

describe('LOCAL_SIGN_IN=true npm start (the channel proxy in front of the credentialed bot)', () => {
  let bot: SignedBot;
  let proxy: ChannelProxy;
  beforeEach(async () => {
    bot = await startSignedBot();
    proxy = await startChannelProxy({ botEndpoint: `${bot.h.app.url}/api/messages`, appId: APP_ID, openid: bot.id.openid });
  });
  afterEach(async () => {
    await proxy.close();
    await bot.close();
  });

  test('the proxy does not sign a cross-site text/plain post naming a non-loopback serviceUrl', async () => {
    // Megan signs in, as in the Playground.
    await bot.h.sendText('status');
    const card = await waitForOAuthCard(bot.h, oauthCards(bot.h).length || 1);
    expect((await teamsSso(bot, card)).status).toBe(200);

    const res = await request(proxy.endpoint, {
      method: 'POST',
      // A "simple" cross-origin request a web page can send with fetch(…, { mode: 'no-cors' }).
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://attacker.example' },
      body: JSON.stringify(invokeFromMegan('https://attacker.example/teams/')),
    });
    const text = await res.body.text();
    expect({ status: String(res.statusCode), lists: titles(text) }).toEqual({ status: expect.not.stringMatching(/^2/), lists: [] });
  });

  test('each of the proxy’s rules on its own: foreign Host 421, foreign Origin 403, not JSON 415, non-loopback serviceUrl 403; what the Playground sends is signed', async () => {
    await bot.h.sendText('status');
    const card = await waitForOAuthCard(bot.h, oauthCards(bot.h).length || 1);
    expect((await teamsSso(bot, card)).status).toBe(200);
    const port = new URL(proxy.endpoint).port;
    const json = 'application/json';
    const loopback = bot.h.connector.serviceUrl;
    const cases: Array<[string, Record<string, string>, string, number]> = [
      ['foreign Host', { host: `rebind.attacker.example:${port}`, 'content-type': json }, loopback, 421],
      ['foreign Origin', { origin: 'https://attacker.example', 'content-type': json }, loopback, 403],
      ['text/plain', { 'content-type': 'text/plain;charset=UTF-8' }, loopback, 415],
      ['non-loopback serviceUrl', { 'content-type': json }, 'https://attacker.example/teams/', 403],
      ['the Playground', { 'content-type': 'application/json; charset=utf-8' }, loopback, 200],
      ['its own page', { origin: `http://127.0.0.1:${port}`, 'content-type': json }, loopback, 200],
    ];
    const graphBefore = bot.h.emulators.graph.requests.length;
    const seen: Array<[string, number, number]> = [];
    for (const [name, headers, serviceUrl] of cases) {
      const res = await request(proxy.endpoint, { method: 'POST', headers, body: JSON.stringify(invokeFromMegan(serviceUrl)) });
      seen.push([name, res.statusCode, titles(await res.body.text()).length]);
    }
    expect(seen).toEqual(cases.map(([name, , , status]) => [name, status, status === 200 ? expect.any(Number) : 0]));
    expect(seen.filter(([, status, lists]) => status === 200 && lists > 0)).toHaveLength(2);
    // Only the two accepted requests read Megan's lists.
    expect(bot.h.emulators.graph.requests.length - graphBefore).toBe(2);
  });
});
