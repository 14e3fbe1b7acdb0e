import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';

/**
 * The official Teams manifest JSON schemas, as bundled in @microsoft/app-manifest (the package
 * the Agents Toolkit validates with). The schema file is always loaded from the package here and
 * handed to the validator, so validation can never fall back to downloading it.
 */
const PACKAGE_DIR = path.dirname(require.resolve('@microsoft/app-manifest/package.json'));
const TEAMS_SCHEMAS = path.join(PACKAGE_DIR, 'build', 'json-schemas', 'teams');
const SCHEMA_URL = /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/(v\d+\.\d+)\/MicrosoftTeams\.schema\.json$/i;

/** Bundled GA schema versions, newest first ("1.30", "1.29", …). */
export function bundledSchemaVersions(): string[] {
  return readdirSync(TEAMS_SCHEMAS)
    .map((d) => /^v(\d+)\.(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]) || Number(b[2]) - Number(a[2]))
    .map((m) => `${m[1]}.${m[2]}`);
}

export function schemaUrlFor(version: string): string {
  return `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`;
}

/** Schema errors as sentences; a $schema that is not bundled is itself an error (no download). */
export async function schemaErrors(manifest: Record<string, unknown>): Promise<string[]> {
  const url = typeof manifest['$schema'] === 'string' ? manifest['$schema'] : '';
  const version = SCHEMA_URL.exec(url)?.[1];
  const file = version ? path.join(TEAMS_SCHEMAS, version, 'MicrosoftTeams.schema.json') : undefined;
  if (!file || !existsSync(file)) {
    return [`$schema "${url}" is not a Teams manifest schema bundled in @microsoft/app-manifest (bundled: ${bundledSchemaVersions().slice(0, 3).join(', ')}, …)`];
  }
  // The same clean-up the package applies: some schema versions contain \a escapes JSON lacks.
  const schema: unknown = JSON.parse(readFileSync(file, 'utf8').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b'));
  const errors = await AppManifestUtils.validateAgainstSchema(
    manifest as unknown as AppManifest,
    schema as Parameters<typeof AppManifestUtils.validateAgainstSchema>[1],
  );
  return errors.map((e) => `schema: ${e.trim()}`);
}
