import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { buildAppPackage, PackageRefused, validatePackage, zipPathFor } from '../../../tools/app-package/build';
import { manifestProblems } from '../../../tools/app-package/manifest-checks';
import { placeholderNames } from '../../../tools/app-package/placeholders';
import { bundledSchemaVersions, schemaErrors, schemaUrlFor } from '../../../tools/app-package/schema';
import { main } from '../../../tools/package-app';
import { projectCopy, ROOT, VALID_ENV } from './fixtures';

type Json = Record<string, unknown>;

const template = (): Json => JSON.parse(readFileSync(path.join(ROOT, 'manifest', 'manifest.json'), 'utf8')) as Json;
const icons = new Map([
  ['color.png', readFileSync(path.join(ROOT, 'manifest', 'color.png'))],
  ['outline.png', readFileSync(path.join(ROOT, 'manifest', 'outline.png'))],
]);

async function refusal(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PackageRefused) return err.problems;
    throw err;
  }
  throw new Error('expected the package to be refused');
}

describe('app package (npm run package)', () => {
  let copy: ReturnType<typeof projectCopy>;
  beforeEach(() => {
    copy = projectCopy(['manifest']);
  });
  afterEach(() => copy.remove());

  it('writes build/appPackage.<env>.zip with the manifest and both icons at the root, filled in and valid', async () => {
    const result = await buildAppPackage(copy.root, 'ci', { ...VALID_ENV });

    expect(result.zipPath).toBe(path.join(copy.root, 'build', 'appPackage.ci.zip'));
    const zip = new AdmZip(result.zipPath);
    expect(zip.getEntries().map((e) => e.entryName).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const text = zip.readAsText('manifest.json');
    expect(text).not.toContain('${{');
    const manifest = JSON.parse(text) as Json;
    expect(manifest['id']).toBe(VALID_ENV['TEAMS_APP_ID']);
    expect((manifest['bots'] as Json[])[0]?.['botId']).toBe(VALID_ENV['BOT_ID']);
    expect(manifest['webApplicationInfo']).toEqual({
      id: VALID_ENV['AAD_APP_CLIENT_ID'],
      resource: `api://botid-${VALID_ENV['AAD_APP_CLIENT_ID']}`,
    });
    expect(manifest['validDomains']).toEqual([VALID_ENV['BOT_DOMAIN'], 'token.botframework.com']);
    expect(zip.getEntry('color.png')?.getData().equals(icons.get('color.png')!)).toBe(true);
    // The same validation npm run package ran, repeated on the zip as Teams would read it.
    expect(await validatePackage(result.zipPath)).toEqual([]);
  });

  it('uses the newest manifest schema that @microsoft/app-manifest bundles, and it passes that schema', async () => {
    const newest = bundledSchemaVersions()[0];
    expect(Number(newest?.split('.')[1])).toBeGreaterThanOrEqual(25);
    expect(template()['manifestVersion']).toBe(newest);
    expect(template()['$schema']).toBe(schemaUrlFor(newest!));
  });

  it('declares what the app does: files in three scopes, the four commands, the message action and SSO', () => {
    const t = template();
    const bot = (t['bots'] as Json[])[0]!;
    expect(bot['supportsFiles']).toBe(true);
    expect(bot['scopes']).toEqual(['personal', 'groupChat', 'team']);
    const commands = ((bot['commandLists'] as Json[])[0]!['commands'] as Json[]).map((c) => c['title']);
    expect(commands).toEqual(['help', 'status', 'cancel', 'sign out']);
    const action = ((t['composeExtensions'] as Json[])[0]!['commands'] as Json[])[0]!;
    expect(action).toMatchObject({ id: 'attachToTodo', type: 'action', title: 'Attach to To Do', context: ['message'], fetchTask: true });
    expect(placeholderNames(t)).toEqual(
      ['AAD_APP_CLIENT_ID', 'APP_NAME_SUFFIX', 'BOT_DOMAIN', 'BOT_ID', 'PRIVACY_URL', 'PUBLISHER_NAME', 'PUBLISHER_WEBSITE_URL', 'TEAMS_APP_ID', 'TERMS_OF_USE_URL', 'TOKEN_SERVICE_DOMAIN'],
    );
  });

  it('reads env/.env.<name>, and a variable in the environment wins over the file', async () => {
    const { TEAMS_APP_ID, BOT_DOMAIN, ...rest } = VALID_ENV;
    const envDir = path.join(copy.root, 'env');
    mkdirSync(envDir);
    writeFileSync(path.join(envDir, '.env.staging'), `# staging\nTEAMS_APP_ID=${TEAMS_APP_ID}\nBOT_DOMAIN=from-file.azurewebsites.net\nAPP_NAME_SUFFIX=" (staging)"\n`);

    await buildAppPackage(copy.root, 'staging', { ...rest, APP_NAME_SUFFIX: undefined, BOT_DOMAIN: 'from-env.azurewebsites.net' } as NodeJS.ProcessEnv);

    const manifest = JSON.parse(new AdmZip(zipPathFor(copy.root, 'staging')).readAsText('manifest.json')) as Json;
    expect(manifest['id']).toBe(TEAMS_APP_ID);
    expect(manifest['validDomains']).toEqual(['from-env.azurewebsites.net', 'token.botframework.com']);
    expect((manifest['name'] as Json)['short']).toBe('To Do Attach (staging)');
  });

  it('refuses, naming each variable, when placeholders are unset or empty, and writes nothing', async () => {
    const { BOT_ID, PRIVACY_URL, ...rest } = VALID_ENV;
    void BOT_ID;
    void PRIVACY_URL;
    const problems = await refusal(buildAppPackage(copy.root, 'ci', { ...rest, TEAMS_APP_ID: '' }));
    expect(problems).toEqual([
      'BOT_ID is not set: set it in the environment or in env/.env.ci',
      'PRIVACY_URL is not set: set it in the environment or in env/.env.ci',
      'TEAMS_APP_ID is empty (from environment): set it in the environment or in env/.env.ci',
    ]);
    expect(existsSync(zipPathFor(copy.root, 'ci'))).toBe(false);
  });

  it.each([
    ['BOT_ID', 'bot-1', /^BOT_ID must be a GUID/],
    ['TEAMS_APP_ID', '{3f2a6c1e-8b7d-4e5f-9a0b-1c2d3e4f5a6b}', /^TEAMS_APP_ID must be a GUID/],
    ['BOT_DOMAIN', 'https://todo-attach.azurewebsites.net', /^BOT_DOMAIN must be the bot's host name only/],
    ['BOT_DOMAIN', 'todo-attach.azurewebsites.net/api/messages', /^BOT_DOMAIN must be the bot's host name only/],
    ['TOKEN_SERVICE_DOMAIN', 'token.example.net', /^TOKEN_SERVICE_DOMAIN must be a Bot Framework token service host/],
    ['PRIVACY_URL', 'http://contoso.com/privacy', /^PRIVACY_URL must be an https:\/\/ address/],
    ['TERMS_OF_USE_URL', 'https://example.com/terms', /^TERMS_OF_USE_URL must be the publisher's real page/],
    ['APP_NAME_SUFFIX', ' (a very long suffix here)', /^APP_NAME_SUFFIX is 26 characters; at most 18 fit/],
    ['PUBLISHER_NAME', 'C'.repeat(33), /^PUBLISHER_NAME is 33 characters; Teams allows 32/],
  ])('refuses %s = %j with a sentence naming it', async (key, value, message) => {
    const problems = await refusal(buildAppPackage(copy.root, 'ci', { ...VALID_ENV, [key]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(existsSync(zipPathFor(copy.root, 'ci'))).toBe(false);
  });

  it('keeps the JSON intact when a value has quotes or backslashes', async () => {
    const result = await buildAppPackage(copy.root, 'ci', { ...VALID_ENV, PUBLISHER_NAME: 'Contoso "Labs" \\ EU' });
    const manifest = JSON.parse(new AdmZip(result.zipPath).readAsText('manifest.json')) as Json;
    expect((manifest['developer'] as Json)['name']).toBe('Contoso "Labs" \\ EU');
  });

  it('refuses an icon that breaks the Teams rules, naming the file', async () => {
    writeFileSync(path.join(copy.root, 'manifest', 'outline.png'), readFileSync(path.join(ROOT, 'manifest', 'color.png')));
    const problems = await refusal(buildAppPackage(copy.root, 'ci', { ...VALID_ENV }));
    expect(problems).toEqual([
      'outline.png is 192×192; the outline icon must be 32×32',
      'outline.png has only 0 of 36864 pixels transparent; the outline icon needs a transparent background',
      expect.stringMatching(/^outline\.png has \d+ visible pixels that are not white/),
    ]);
  });

  it('refuses an environment name that could leave the env folder', async () => {
    expect(await refusal(buildAppPackage(copy.root, '../secrets', { ...VALID_ENV }))).toEqual([
      '"../secrets" is not an environment name (letters, digits, - and _)',
    ]);
  });
});

describe('manifest checks beyond the JSON schema', () => {
  const filled = (): Json => {
    const text = JSON.stringify(template()).replace(/\$\{\{(\w+)\}\}/g, (_, k: string) => (VALID_ENV[k] ?? '').replace(/"/g, '\\"'));
    return JSON.parse(text) as Json;
  };

  it('accepts the filled-in template', async () => {
    expect(manifestProblems(filled(), icons)).toEqual([]);
    expect(await schemaErrors(filled())).toEqual([]);
  });

  it('requires webApplicationInfo.resource to be api://botid-<id>', () => {
    const m = filled();
    m['webApplicationInfo'] = { id: VALID_ENV['AAD_APP_CLIENT_ID'], resource: `api://${VALID_ENV['BOT_DOMAIN']}/botid-x` };
    expect(manifestProblems(m, icons)).toEqual([
      `webApplicationInfo.resource must be "api://botid-${VALID_ENV['AAD_APP_CLIENT_ID']}", not "api://${VALID_ENV['BOT_DOMAIN']}/botid-x"`,
    ]);
  });

  it('refuses a scheme or a path in validDomains, duplicates, and a missing token service host', () => {
    const m = filled();
    m['validDomains'] = ['https://todo-attach.azurewebsites.net', 'todo-attach.azurewebsites.net/api', 'a.contoso.com', 'A.contoso.com'];
    expect(manifestProblems(m, icons)).toEqual([
      'validDomains entry "https://todo-attach.azurewebsites.net" must be a host name without a scheme',
      'validDomains entry "todo-attach.azurewebsites.net/api" must be a host name without a path',
      'validDomains lists "A.contoso.com" twice',
      'validDomains must include the Bot Framework token service host (token.botframework.com in the public cloud): sign-in pages open there',
    ]);
  });

  it('requires the message extension to use the bot\'s id', () => {
    const m = filled();
    (m['composeExtensions'] as Json[])[0]!['botId'] = VALID_ENV['TEAMS_APP_ID'];
    expect(manifestProblems(m, icons)).toEqual([
      `composeExtensions botId ${VALID_ENV['TEAMS_APP_ID']} differs from the bot's id ${VALID_ENV['BOT_ID']}: the message action must reach the same bot`,
    ]);
  });

  it('requires the icons the manifest names to be in the package', () => {
    expect(manifestProblems(filled(), new Map())).toEqual([
      'icons.color names color.png, which is not in the package',
      'icons.outline names outline.png, which is not in the package',
    ]);
  });

  it('reports what the official schema rejects', async () => {
    const m = filled();
    (m['name'] as Json)['short'] = 'To Do Attach for the whole Contoso tenant';
    ((m['bots'] as Json[])[0]!)['scopes'] = ['personal', 'groupchat'];
    const errors = await schemaErrors(m);
    expect(errors.some((e) => e.includes('/name/short') && e.includes('30'))).toBe(true);
    expect(errors.some((e) => e.includes('/bots/0/scopes/1'))).toBe(true);
  });

  it('never downloads a schema: one that is not bundled is an error sentence', async () => {
    const m = filled();
    m['$schema'] = 'https://developer.microsoft.com/json-schemas/teams/v1.99/MicrosoftTeams.schema.json';
    expect(await schemaErrors(m)).toEqual([expect.stringMatching(/^\$schema ".*v1\.99.*" is not a Teams manifest schema bundled in @microsoft\/app-manifest/)]);
  });
});

describe('npm run package, as a person runs it', () => {
  const exec = promisify(execFile);
  const zip = path.join(ROOT, 'build', 'appPackage.jest-cli.zip');
  afterAll(() => rmSync(zip, { force: true }));

  it('prints the refusal and exits 1 without the variables, then writes the zip with them', async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const bare = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' };
    const failed = await exec(npm, ['run', '--silent', 'package', '--', '--env', 'jest-cli'], { cwd: ROOT, env: bare }).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain('TEAMS_APP_ID is not set: set it in the environment or in env/.env.jest-cli');
    expect(existsSync(zip)).toBe(false);

    const ok = await exec(npm, ['run', '--silent', 'package', '--', '--env', 'jest-cli'], { cwd: ROOT, env: { ...bare, ...VALID_ENV } });
    expect(ok.stdout).toContain('wrote build/appPackage.jest-cli.zip (manifest.json, color.png, outline.png;');
    expect(await validatePackage(zip)).toEqual([]);
  });

  it('main() answers --help and refuses unknown arguments', async () => {
    const lines: string[] = [];
    expect(await main(['--help'], {}, ROOT, (l) => lines.push(l))).toBe(0);
    expect(await main(['--zip'], {}, ROOT, (l) => lines.push(l))).toBe(2);
    expect(lines).toEqual([
      'usage: npm run package [-- --env <name>]   (default: $TEAMSFX_ENV or dev)',
      'unknown argument "--zip" (usage: npm run package [-- --env <name>])',
    ]);
  });
});
