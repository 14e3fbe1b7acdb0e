import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { formatDiagnostic } from '../../../tools/diagnostics';
import { checkProjectFile } from '../../../tools/project-file/check';
import { projectCopy, ROOT } from './fixtures';

const YML = readFileSync(path.join(ROOT, 'm365agents.yml'), 'utf8');

interface Step {
  uses: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}

const project = parse(YML) as { version: string; provision: Step[]; deploy: Step[]; publish: Step[] };

async function check(text: string, root = ROOT): Promise<string[]> {
  return (await checkProjectFile(root, 'm365agents.yml', text)).map((d) => formatDiagnostic(d, root));
}

function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" not found`);
  return text.slice(0, index).split('\n').length;
}

describe('m365agents.yml (Agents Toolkit project file)', () => {
  it('parses and passes the offline check: actions, paths, variables, ARM parameters', async () => {
    expect(project.version).toBe('v1.11');
    expect(await check(YML)).toEqual([]);
  });

  it('provisions in the toolkit\'s order and deploys a built folder by zip deploy', () => {
    expect(project.provision.map((s) => s.uses)).toEqual([
      'teamsApp/create',
      'aadApp/create',
      'aadApp/update',
      'arm/deploy',
      'teamsApp/validateManifest',
      'teamsApp/zipAppPackage',
      'teamsApp/validateAppPackage',
      'teamsApp/update',
    ]);
    expect(project.deploy.map((s) => s.uses)).toEqual(['cli/runNpmCommand', 'cli/runNpmCommand', 'azureAppService/zipDeploy']);
    const arm = project.provision.find((s) => s.uses === 'arm/deploy')!;
    expect(arm.with?.['templates']).toEqual([
      { path: './deploy/infra/main.bicep', parameters: './deploy/infra/main.parameters.json', deploymentName: 'todo-attach' },
    ]);
    // The toolkit's zip lands where `npm run package` writes its own.
    const zip = project.provision.find((s) => s.uses === 'teamsApp/zipAppPackage')!;
    expect(zip.with?.['outputZipPath']).toBe('./build/appPackage.${{TEAMSFX_ENV}}.zip');
    expect(zip.with?.['manifestPath']).toBe('./manifest/manifest.json');
  });

  it('sets up the Entra app for Teams SSO: api://botid-<id>, access_as_user, Teams clients pre-authorized, token service redirect', () => {
    const aad = JSON.parse(readFileSync(path.join(ROOT, 'deploy', 'entra', 'aad.manifest.json'), 'utf8')) as {
      identifierUris: string[];
      oauth2Permissions: Array<{ value: string; id: string }>;
      preAuthorizedApplications: Array<{ appId: string; permissionIds: string[] }>;
      replyUrlsWithType: Array<{ url: string }>;
      signInAudience: string;
    };
    expect(aad.identifierUris).toEqual(['api://botid-${{AAD_APP_CLIENT_ID}}']);
    expect(aad.oauth2Permissions.map((p) => p.value)).toEqual(['access_as_user']);
    const teamsClients = ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'];
    for (const id of teamsClients) {
      expect(aad.preAuthorizedApplications.find((a) => a.appId === id)?.permissionIds).toEqual(['${{AAD_APP_ACCESS_AS_USER_PERMISSION_ID}}']);
    }
    expect(aad.replyUrlsWithType.map((r) => r.url)).toEqual(['https://${{TOKEN_SERVICE_DOMAIN}}/.auth/web/redirect']);
    expect(aad.signInAudience).toBe('AzureADMyOrg');
  });

  it('reports a path that does not exist, with its line', async () => {
    const text = YML.replace('manifestPath: ./deploy/entra/aad.manifest.json', 'manifestPath: ./deploy/aad.manifest.json');
    expect(await check(text)).toEqual([
      `m365agents.yml:${lineOf(text, './deploy/aad.manifest.json')}:21: manifestPath names ./deploy/aad.manifest.json, which does not exist and no earlier step writes [path]`,
    ]);
  });

  it('reports an input that only a later step writes', async () => {
    // Moving teamsApp/update before zipAppPackage makes it read a zip nothing has written yet.
    const update = '  - uses: teamsApp/update\n    with:\n      appPackagePath: ./build/appPackage.${{TEAMSFX_ENV}}.zip\n\n';
    const text = YML.replace(update, '').replace('  - uses: teamsApp/validateManifest', `${update}  - uses: teamsApp/validateManifest`);
    const problems = await check(text);
    expect(problems).toContain(
      `m365agents.yml:${lineOf(text, 'appPackagePath')}:23: appPackagePath names ./build/appPackage.\${{TEAMSFX_ENV}}.zip, which does not exist and no earlier step writes [path]`,
    );
  });

  it('reports an unknown action, a missing npm script and a variable nobody sets', async () => {
    const text = YML.replace('uses: teamsApp/zipAppPackage\n    with:\n      manifestPath: ./manifest/manifest.json\n      outputZipPath', 'uses: teamsApp/zipPackage\n    with:\n      manifestPath: ./manifest/manifest.json\n      outputZipPath')
      .replace('args: run stage', 'args: run stag')
      .replace('resourceGroupName: ${{AZURE_RESOURCE_GROUP_NAME}}', 'resourceGroupName: ${{AZURE_RG}}');
    const problems = await check(text);
    expect(problems).toEqual([
      `m365agents.yml:${lineOf(text, '${{AZURE_RG}}')}:26: arm/deploy resourceGroupName uses \${{AZURE_RG}}, which neither env/.env.dev nor an earlier step sets [variable]`,
      expect.stringMatching(new RegExp(`^m365agents\\.yml:${lineOf(text, 'teamsApp/zipPackage')}:\\d+: "teamsApp/zipPackage" is not an Agents Toolkit action`)),
      `m365agents.yml:${lineOf(text, 'args: run stag')}:7: package.json has no script "stag" [npm-script]`,
      `m365agents.yml:${lineOf(text, 'artifactFolder')}:23: artifactFolder names ./build/deploy, which does not exist and no earlier step writes [path]`,
    ]);
  });

  it('reports a YAML syntax error with line and column', async () => {
    const text = YML.replace('    writeToEnvironmentFile:\n      teamsAppId: TEAMS_APP_ID', '    writeToEnvironmentFile:\n      teamsAppId: [TEAMS_APP_ID');
    const problems = await check(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^m365agents\.yml:\d+:\d+: .+ \[yaml\]$/);
  });

  it('checks the ARM parameters file against main.bicep', async () => {
    const copy = projectCopy(['m365agents.yml', 'package.json', 'env', 'deploy', 'manifest']);
    try {
      const file = path.join(copy.root, 'deploy', 'infra', 'main.parameters.json');
      const json = JSON.parse(readFileSync(file, 'utf8')) as { parameters: Record<string, unknown> };
      delete json.parameters['aadAppClientId'];
      json.parameters['botName'] = { value: 'x' };
      writeFileSync(file, JSON.stringify(json, null, 2));
      const line = lineOf(YML, 'parameters: ./deploy/infra/main.parameters.json');
      expect(await check(YML, copy.root)).toEqual([
        `m365agents.yml:${line}:23: main.parameters.json sets "botName", which main.bicep does not declare [arm-parameters]`,
        `m365agents.yml:${line}:23: main.parameters.json does not set "aadAppClientId", which main.bicep requires [arm-parameters]`,
      ]);
    } finally {
      copy.remove();
    }
  });

  it('every ${{VAR}} the manifest uses is listed in env/.env.dev or written by provisioning', async () => {
    const copy = projectCopy(['m365agents.yml', 'package.json', 'env', 'deploy', 'manifest']);
    try {
      const envFile = path.join(copy.root, 'env', '.env.dev');
      writeFileSync(envFile, readFileSync(envFile, 'utf8').replace(/^PRIVACY_URL=.*\n/m, ''));
      const problems = await check(YML, copy.root);
      // validateManifest and zipAppPackage read the manifest, in provision and in publish
      const message = './manifest/manifest.json uses ${{PRIVACY_URL}}, which neither env/.env.dev nor an earlier step sets [variable]';
      expect(problems).toEqual(Array.from({ length: 4 }, () => expect.stringMatching(/^m365agents\.yml:\d+:21: /)));
      expect(problems.every((p) => p.endsWith(message))).toBe(true);
    } finally {
      copy.remove();
    }
  });
});
