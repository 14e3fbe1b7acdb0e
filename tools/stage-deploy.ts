import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';

/**
 * `npm run stage`: build/deploy/ is what App Service runs (zip deploy, WEBSITE_RUN_FROM_PACKAGE):
 * the compiled bot, its card templates and production dependencies only, the same layout as
 * the container image (deploy/Dockerfile). `npm run stage` builds first.
 */
export const STAGE_DIR = path.join('build', 'deploy');
/** The same folder zipped, for `az webapp deploy --type zip` (keep one per release to roll back). */
export const STAGE_ZIP = path.join('build', 'deploy.zip');

export function stage(root: string): string {
  const out = path.join(root, STAGE_DIR);
  if (!existsSync(path.join(root, 'dist', 'src', 'main.js'))) throw new Error('dist/src/main.js is missing: run `npm run build` first');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(path.join(root, 'dist', 'src'), path.join(out, 'dist', 'src'), { recursive: true });
  cpSync(path.join(root, 'cards'), path.join(out, 'cards'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(root, f), path.join(out, f));
  // Production dependencies need no install script (restify's dtrace-provider is optional).
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: out, stdio: 'inherit' });
  const zip = new AdmZip();
  zip.addLocalFolder(out);
  zip.writeZip(path.join(root, STAGE_ZIP));
  return out;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  const dir = path.relative(root, stage(root));
  console.log(`staged ${dir} and ${STAGE_ZIP}: deploy the folder (atk deploy) or the zip (az webapp deploy --type zip)`);
}
