import path from 'node:path';
import { lintDeployment } from './bicep/lint';
import { formatDiagnostics, type Diagnostic } from './diagnostics';
import { checkProjectFile } from './project-file/check';

/**
 * `npm run check:deploy`: the offline checks of deploy/infra (tree-sitter-bicep parse + lint)
 * and m365agents.yml. Problems print as file:line:col like a compiler's; exit code 1 if any.
 */
export const MAIN_BICEP = path.join('deploy', 'infra', 'main.bicep');
export const PROJECT_FILE = 'm365agents.yml';

export async function checkDeploy(root: string): Promise<Diagnostic[]> {
  const bicep = await lintDeployment(path.join(root, MAIN_BICEP));
  const project = await checkProjectFile(root, PROJECT_FILE);
  return [...bicep.diagnostics, ...project];
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  checkDeploy(root).then(
    (problems) => {
      if (problems.length > 0) {
        console.log(formatDiagnostics(problems, root));
        console.log(`${problems.length} problem(s)`);
        process.exit(1);
      }
      console.log(`${MAIN_BICEP} (and its modules) and ${PROJECT_FILE}: parsed and linted, no problems`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
