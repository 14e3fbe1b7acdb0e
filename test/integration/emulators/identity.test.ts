import { createPublicKey, createSign, generateKeyPairSync, createHash, verify } from 'node:crypto';
import { GraphTodoEmulator } from '../../../src/emulators/graph-todo';
import { startIdentityEmulators, type IdentityStack } from '../../../src/emulators/identity-stack';
import { call } from '../../support/emulators';

const APP_ID = '3f6a1c2e-0000-4000-8000-00000000b07a';
const SECRET = 'emulated-secret';
const TENANT = 'c0ffee00-1111-4222-8333-444455556666';
const MEGAN = { id: '29:1megan', name: 'Megan Bowen', aadObjectId: '6b1c9a3e-2f4d-4c7e-9a51-0d7f3e2b8c41' };

function form(fields: Record<string, string>): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

describe('identity emulators: Entra ID, channel OpenID keys, Bot Framework token service', () => {
  let graph: GraphTodoEmulator;
  let id: IdentityStack;
  let botToken: string;

  beforeAll(async () => {
    graph = await GraphTodoEmulator.start();
    id = await startIdentityEmulators({ appId: APP_ID, appPassword: SECRET, graph });
    const res = await call(id.entra.tokenEndpoint('botframework.com'), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: SECRET, scope: 'https://api.botframework.com/.default' }) });
    expect(res.status).toBe(200);
    botToken = String(res.json?.['access_token']);
  });
  afterAll(async () => {
    await id.close();
    await graph.close();
  });

  const tokenApi = (path: string, query: Record<string, string>, options: { method?: string; body?: string; token?: string | null } = {}) =>
    call(`${id.tokenService.baseUrl}/api/${path}?${new URLSearchParams(query).toString()}`, {
      method: options.method ?? 'GET',
      ...(options.token === null ? {} : { token: options.token ?? botToken }),
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
  const who = { userId: MEGAN.id, connectionName: 'todo-graph', channelId: 'msteams' };

  it('Entra: client credentials with the secret; a wrong secret is invalid_client; unknown scope shapes refused', async () => {
    const bad = await call(id.entra.tokenEndpoint(TENANT), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: 'nope', scope: 'https://graph.microsoft.com/.default' }) });
    expect(bad.status).toBe(401);
    expect(bad.json?.['error']).toBe('invalid_client');
    const noDefault = await call(id.entra.tokenEndpoint(TENANT), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: SECRET, scope: 'Tasks.ReadWrite' }) });
    expect(noDefault.json?.['error']).toBe('invalid_scope');
    const app = await call(id.entra.tokenEndpoint(TENANT), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' }) });
    const token = String(app.json?.['access_token']);
    const verdict = id.entra.verifyAccessToken(token, 'https://graph.microsoft.com');
    expect(verdict.ok && verdict.claims['roles']).toContain('Tasks.ReadWrite.All');
    expect(verdict.ok && verdict.claims['tid']).toBe(TENANT);
    // An app-only token works on /users/{id}/todo but not on /me, as in Graph.
    expect((await call(`${graph.baseUrl}/users/${MEGAN.aadObjectId}/todo/lists`, { token })).status).toBe(200);
    const me = await call(`${graph.baseUrl}/me/todo/lists`, { token });
    expect(me.status).toBe(400);
    expect(JSON.stringify(me.json)).toContain('/me request is only valid with delegated authentication flow');
  });

  it('Entra: a certificate’s signed client assertion (private_key_jwt)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const thumbprint = createHash('sha1').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex');
    id.entra.registerApp({ clientId: 'cert-app', certificate: { thumbprint, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() } });
    const endpoint = id.entra.tokenEndpoint(TENANT);
    const assertion = (signWith = privateKey) => {
      const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5t: Buffer.from(thumbprint, 'hex').toString('base64url') })).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const body = Buffer.from(JSON.stringify({ aud: endpoint, iss: 'cert-app', sub: 'cert-app', jti: 'x', nbf: now, exp: now + 600 })).toString('base64url');
      return `${head}.${body}.${createSign('RSA-SHA256').update(`${head}.${body}`).sign(signWith).toString('base64url')}`;
    };
    const ask = (a: string) =>
      call(endpoint, { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: 'cert-app', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: a, scope: 'https://api.botframework.com/.default' }) });
    expect((await ask(assertion())).status).toBe(200);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await ask(assertion(other));
    expect(forged.status).toBe(401);
    expect(String(forged.json?.['error_description'])).toContain('invalid signature');
  });

  it('OpenID: metadata names the JWKS; the key is endorsed for msteams and verifies the channel tokens it mints', async () => {
    const meta = await call(id.openid.metadataUrl);
    expect(meta.json?.['issuer']).toBe('https://api.botframework.com');
    const keys = await call(String(meta.json?.['jwks_uri']));
    const jwk = (keys.json?.['keys'] as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    expect(jwk['endorsements']).toEqual(['msteams']);
    const token = id.openid.channelToken({ appId: APP_ID, serviceUrl: 'http://127.0.0.1:1/emea/' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const key = createPublicKey({ key: { kty: 'RSA', n: String(jwk['n']), e: String(jwk['e']) }, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: APP_ID, serviceurl: 'http://127.0.0.1:1/emea/', iss: 'https://api.botframework.com' });
    expect(claims['ver']).toBeUndefined();
  });

  it('token service: only the bot may call; no sign-in is a 404', async () => {
    expect((await tokenApi('usertoken/GetToken', who, { token: null })).status).toBe(401);
    const notForTokenService = await call(id.entra.tokenEndpoint(TENANT), { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' }) });
    expect((await tokenApi('usertoken/GetToken', who, { token: String(notForTokenService.json?.['access_token']) })).status).toBe(401);
    const none = await tokenApi('usertoken/GetToken', who);
    expect(none.status).toBe(404);
    expect(none.bytes.length).toBe(0);
  });

  it('token service: sign-in link → consent page → six-digit code → GetToken with the code → a Graph token Graph accepts', async () => {
    const state = Buffer.from(JSON.stringify({ connectionName: 'todo-graph', msAppId: APP_ID, conversation: { channelId: 'msteams', user: MEGAN, conversation: { id: 'a:1', tenantId: TENANT } } })).toString('base64');
    const resource = await tokenApi('botsignin/GetSignInResource', { state });
    expect(resource.status).toBe(200);
    const exchange = resource.json?.['tokenExchangeResource'] as Record<string, unknown>;
    expect(exchange['uri']).toBe(`api://botid-${APP_ID}`);
    const link = String(resource.json?.['signInLink']);
    const page = await call(link);
    expect(page.bytes.toString()).toContain('Megan Bowen');
    const accepted = await call(link, { method: 'POST' });
    const code = /id="code">(\d{6})</.exec(accepted.bytes.toString())?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect((await tokenApi('usertoken/GetToken', { ...who, code: '000000' === code ? '111111' : '000000' })).status).toBe(404);
    const redeemed = await tokenApi('usertoken/GetToken', { ...who, code });
    expect(redeemed.status).toBe(200);
    const graphToken = String(redeemed.json?.['token']);
    expect(Date.parse(String(redeemed.json?.['expiration']))).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect((await tokenApi('usertoken/GetToken', { ...who, code })).status).toBe(404); // a code works once
    expect((await tokenApi('usertoken/GetToken', who)).status).toBe(200); // the sign-in is stored
    expect((await call(`${graph.baseUrl}/me/todo/lists`, { token: graphToken })).status).toBe(200);

    // Expired: Graph answers 401 "expired"; the token service hands out a fresh one (it holds the refresh token).
    id.entra.expireUserTokens();
    const stale = await call(`${graph.baseUrl}/me/todo/lists`, { token: graphToken });
    expect(stale.status).toBe(401);
    expect(JSON.stringify(stale.json)).toContain('the token is expired');
    const fresh = String((await tokenApi('usertoken/GetToken', who)).json?.['token']);
    expect(fresh).not.toBe(graphToken);
    expect((await call(`${graph.baseUrl}/me/todo/lists`, { token: fresh })).status).toBe(200);

    const status = await tokenApi('usertoken/GetTokenStatus', { userId: MEGAN.id, channelId: 'msteams' });
    expect(status.json).toEqual([expect.objectContaining({ connectionName: 'todo-graph', hasToken: true })]);
    expect((await tokenApi('usertoken/SignOut', who, { method: 'DELETE' })).status).toBe(200);
    expect((await tokenApi('usertoken/GetToken', who)).status).toBe(404);
  });

  it('token service: SSO exchange of a Teams token for api://botid-{appId}; consent missing or wrong audience is a 400', async () => {
    const user = { aadObjectId: '11111111-2222-4333-8444-555555555555', tenantId: TENANT, name: 'Adele Vance' };
    const adele = { ...who, userId: '29:1adele' };
    const sso = id.entra.userToken(user, id.tokenService.ssoAudience).token;
    id.tokenService.requireConsent(user.aadObjectId);
    expect((await tokenApi('usertoken/exchange', adele, { method: 'POST', body: JSON.stringify({ token: sso }) })).status).toBe(400);
    const wrongAudience = id.entra.userToken({ ...user, aadObjectId: 'another' }, 'api://someone-else').token;
    expect((await tokenApi('usertoken/exchange', adele, { method: 'POST', body: JSON.stringify({ token: wrongAudience }) })).status).toBe(400);
    const ok = id.entra.userToken({ ...user, aadObjectId: '99999999-2222-4333-8444-555555555555' }, id.tokenService.ssoAudience).token;
    const exchanged = await tokenApi('usertoken/exchange', adele, { method: 'POST', body: JSON.stringify({ token: ok }) });
    expect(exchanged.status).toBe(200);
    expect(exchanged.json?.['connectionName']).toBe('todo-graph');
    expect(id.tokenService.hasToken('29:1adele')).toBe(true);
  });

  it('token service: faults (503) and expired tokens on demand', async () => {
    id.tokenService.faults.add({ match: { pathIncludes: '/api/usertoken/GetToken' }, action: { type: 'status', status: 503 } });
    const sso = id.entra.userToken({ aadObjectId: '77777777-2222-4333-8444-555555555555', tenantId: TENANT, name: 'Lee' }, id.tokenService.ssoAudience).token;
    await tokenApi('usertoken/exchange', { ...who, userId: '29:1lee' }, { method: 'POST', body: JSON.stringify({ token: sso }) });
    expect((await tokenApi('usertoken/GetToken', { ...who, userId: '29:1lee' })).status).toBe(503);
    id.tokenService.serveExpiredTokens(1);
    const stale = String((await tokenApi('usertoken/GetToken', { ...who, userId: '29:1lee' })).json?.['token']);
    expect((await call(`${graph.baseUrl}/me/todo/lists`, { token: stale })).status).toBe(401);
    const good = String((await tokenApi('usertoken/GetToken', { ...who, userId: '29:1lee' })).json?.['token']);
    expect((await call(`${graph.baseUrl}/me/todo/lists`, { token: good })).status).toBe(200);
  });
});
