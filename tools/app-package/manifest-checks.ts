import { checkColorIcon, checkOutlineIcon } from './icons';
import { TOKEN_SERVICE_DOMAINS } from './placeholders';
import { bundledSchemaVersions, schemaUrlFor } from './schema';

/**
 * Checks the JSON schema cannot express but Teams (or a store reviewer) enforces, each found by
 * reading Microsoft's documentation (package-deploy.md §2). Input is a filled-in manifest.
 */
export interface ManifestFiles {
  /** Bytes of each file the manifest names, by the name used in the manifest. */
  get(name: string): Buffer | undefined;
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function manifestProblems(manifest: Json, files: ManifestFiles): string[] {
  const problems: string[] = [];

  const newest = bundledSchemaVersions()[0];
  if (newest && manifest['manifestVersion'] !== newest) {
    problems.push(`manifestVersion is ${String(manifest['manifestVersion'])}; use ${newest}, the newest schema @microsoft/app-manifest bundles`);
  }
  if (str(manifest['manifestVersion']) && manifest['$schema'] !== schemaUrlFor(String(manifest['manifestVersion']))) {
    problems.push(`$schema must be ${schemaUrlFor(String(manifest['manifestVersion']))} to match manifestVersion`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(str(manifest['version']) ?? '')) {
    problems.push(`version "${String(manifest['version'])}" must be three numbers such as 1.0.0 (Teams Admin Center compares them to offer updates)`);
  }

  // SSO: Teams asks Entra for a token for `resource`; the OAuth connection's token exchange URL
  // and the Entra app's Application ID URI must be this same string (bot-sso-manifest.md).
  const wai = obj(manifest['webApplicationInfo']);
  const waiId = str(wai['id']);
  if (!waiId) problems.push('webApplicationInfo.id is missing: Teams single sign-on needs the Entra app id');
  else if (wai['resource'] !== `api://botid-${waiId}`) {
    problems.push(`webApplicationInfo.resource must be "api://botid-${waiId}", not "${String(wai['resource'])}"`);
  }

  const domains = arr(manifest['validDomains']).map(String);
  const seen = new Set<string>();
  for (const d of domains) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(d)) problems.push(`validDomains entry "${d}" must be a host name without a scheme`);
    else if (/[/?#]/.test(d)) problems.push(`validDomains entry "${d}" must be a host name without a path`);
    if (seen.has(d.toLowerCase())) problems.push(`validDomains lists "${d}" twice`);
    seen.add(d.toLowerCase());
  }
  if (!domains.some((d) => (TOKEN_SERVICE_DOMAINS as readonly string[]).includes(d.toLowerCase()))) {
    problems.push('validDomains must include the Bot Framework token service host (token.botframework.com in the public cloud): sign-in pages open there');
  }

  const bots = arr(manifest['bots']).map(obj);
  const botIds = new Set(bots.map((b) => str(b['botId'])));
  for (const ext of arr(manifest['composeExtensions']).map(obj)) {
    const id = str(ext['botId']);
    if (!botIds.has(id)) {
      problems.push(`composeExtensions botId ${String(id)} differs from the bot's id ${[...botIds].join(', ')}: the message action must reach the same bot`);
    }
  }
  for (const bot of bots) {
    // Teams bot file APIs work only in personal scope (Learn bots-filesv4).
    if (bot['supportsFiles'] === true && !arr(bot['scopes']).includes('personal')) {
      problems.push('bots[].supportsFiles needs the personal scope: Teams sends files to bots only in personal chats');
    }
  }

  const icons = obj(manifest['icons']);
  const iconChecks: Array<[string, (n: string, b: Buffer) => string[]]> = [
    ['color', checkColorIcon],
    ['outline', checkOutlineIcon],
  ];
  for (const [kind, check] of iconChecks) {
    const name = str(icons[kind]);
    if (!name) continue; // the schema reports a missing icon
    if (name.includes('/') || name.includes('\\')) {
      problems.push(`icons.${kind} "${name}" must be a file name at the package root`);
      continue;
    }
    const bytes = files.get(name);
    if (!bytes) problems.push(`icons.${kind} names ${name}, which is not in the package`);
    else problems.push(...check(name, bytes));
  }
  return problems;
}
