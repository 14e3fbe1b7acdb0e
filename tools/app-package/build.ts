import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { isValidEnvName, loadEnv } from './env-file';
import { manifestProblems } from './manifest-checks';
import { fillPlaceholders } from './placeholders';
import { schemaErrors } from './schema';

/**
 * `npm run package`: manifest/manifest.json with its placeholders filled, plus the two icons,
 * zipped flat (the files at the zip root, as Teams requires), then read back and validated
 * offline: the official JSON schema and our own checks.
 */
export const MANIFEST_DIR = 'manifest';
export const OUTPUT_DIR = 'build';

export class PackageRefused extends Error {
  constructor(readonly problems: string[]) {
    super(`The app package was not written:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageRefused';
  }
}

export interface PackageResult {
  zipPath: string;
  entries: string[];
  bytes: number;
  notes: string[];
}

export function zipPathFor(root: string, envName: string): string {
  return path.join(root, OUTPUT_DIR, `appPackage.${envName}.zip`);
}

/** Schema errors plus our own checks for a manifest and the files it names. */
export async function validateManifest(manifest: Record<string, unknown>, files: Map<string, Buffer>): Promise<string[]> {
  return [...(await schemaErrors(manifest)), ...manifestProblems(manifest, files)];
}

/** Validates a finished zip the way Teams reads it: manifest.json and the icons at the root. */
export async function validatePackage(zipFile: string): Promise<string[]> {
  const zip = new AdmZip(zipFile);
  const files = new Map<string, Buffer>();
  const problems: string[] = [];
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory || entry.entryName.includes('/')) problems.push(`${entry.entryName} is inside a folder; Teams reads files at the zip root only`);
    else files.set(entry.entryName, entry.getData());
  }
  const manifestBytes = files.get('manifest.json');
  if (!manifestBytes) return [...problems, 'manifest.json is not at the root of the zip'];
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return [...problems, `manifest.json is not valid JSON (${(err as Error).message})`];
  }
  if (manifestBytes.toString('utf8').includes('${{')) problems.push('manifest.json still contains a ${{…}} placeholder');
  return [...problems, ...(await validateManifest(manifest, files))];
}

export async function buildAppPackage(root: string, envName: string, processEnv: NodeJS.ProcessEnv): Promise<PackageResult> {
  if (!isValidEnvName(envName)) throw new PackageRefused([`"${envName}" is not an environment name (letters, digits, - and _)`]);
  const env = loadEnv(root, envName, processEnv);
  const notes = env.filesMissing.filter((f) => !f.endsWith('.user')).map((f) => `${f} does not exist; using the environment only`);
  const template = JSON.parse(readFileSync(path.join(root, MANIFEST_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const filled = fillPlaceholders(template, env.values, {
    describeMissing: `set it in the environment or in env/.env.${envName}`,
    origin: env.origin,
  });
  if (filled.problems.length > 0) throw new PackageRefused(filled.problems);

  const manifest = filled.value;
  const icons = manifest['icons'] as Record<string, unknown> | undefined;
  const files = new Map<string, Buffer>();
  for (const name of [icons?.['color'], icons?.['outline']]) {
    if (typeof name !== 'string') continue;
    const file = path.join(root, MANIFEST_DIR, path.basename(name));
    if (existsSync(file)) files.set(name, readFileSync(file));
  }
  const before = await validateManifest(manifest, files);
  if (before.length > 0) throw new PackageRefused(before);

  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  for (const [name, bytes] of files) zip.addFile(name, bytes);
  const target = zipPathFor(root, envName);
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  writeFileSync(partial, zip.toBuffer());
  // Validate what was written, as Teams will read it, before it takes the real name.
  const after = await validatePackage(partial);
  if (after.length > 0) throw new PackageRefused(after);
  renameSync(partial, target);
  return { zipPath: target, entries: ['manifest.json', ...files.keys()], bytes: readFileSync(target).length, notes };
}
