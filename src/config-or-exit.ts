import { loadConfig, type Config } from './config';
import { toAppError } from './errors';

/** For the entry points (main.ts, dev/start.ts): bad configuration ends the process with its sentence. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    process.stderr.write(`${toAppError(err).message}\n`);
    process.exit(2);
  }
}
