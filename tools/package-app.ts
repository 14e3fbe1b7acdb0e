import path from 'node:path';
import { buildAppPackage, PackageRefused } from './app-package/build';

/**
 * `npm run package [-- --env <name>]`: writes build/appPackage.<name>.zip from manifest/ and
 * env/.env.<name> (variables in the environment win). Exit code 1 with one line per problem.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, root: string, print: (line: string) => void): Promise<number> {
  let envName = env['TEAMSFX_ENV'] || 'dev';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--env' || arg === '-e') envName = argv[++i] ?? '';
    else if (arg?.startsWith('--env=')) envName = arg.slice('--env='.length);
    else if (arg === '--help' || arg === '-h') {
      print('usage: npm run package [-- --env <name>]   (default: $TEAMSFX_ENV or dev)');
      return 0;
    } else {
      print(`unknown argument "${String(arg)}" (usage: npm run package [-- --env <name>])`);
      return 2;
    }
  }
  try {
    const result = await buildAppPackage(root, envName, env);
    for (const note of result.notes) print(`note: ${note}`);
    print(`wrote ${path.relative(root, result.zipPath)} (${result.entries.join(', ')}; ${result.bytes} bytes): JSON schema and package checks passed`);
    return 0;
  } catch (err) {
    if (err instanceof PackageRefused) {
      print(err.message);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  main(process.argv.slice(2), process.env, root, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
