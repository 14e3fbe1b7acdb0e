import { AppError } from '../errors';
import { FileHostEmulator } from './file-host';
import { GraphTodoEmulator } from './graph-todo';

/**
 * `npm run emulators`: the Graph To Do and file host emulators for local development, until
 * SIGINT/SIGTERM. Download URLs carry their tempauth secret, so only file ids are printed.
 */

interface CliOptions {
  graphPort: number;
  filesPort: number;
}

const SAMPLE_FILES = [
  { name: 'quarterly-report.pdf', size: 3_483_322, contentType: 'application/pdf' },
  { name: 'site-photo.jpg', size: 9_437_184, contentType: 'image/jpeg' },
  { name: 'design-review.mp4', size: 24_117_248, contentType: 'video/mp4', sendContentLength: false },
] as const;

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { graphPort: 0, filesPort: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag !== '--graph-port' && flag !== '--files-port') throw new AppError('CONFIG_INVALID', `Unknown option ${flag}; use --graph-port N and --files-port N.`);
    const value = inline ?? argv[++i];
    if (value === undefined || !/^\d+$/.test(value) || Number(value) > 65535) throw new AppError('CONFIG_INVALID', `${flag} needs a port number (0-65535).`);
    if (flag === '--graph-port') options.graphPort = Number(value);
    else options.filesPort = Number(value);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const graph = await GraphTodoEmulator.start({ port: options.graphPort });
  const files = await FileHostEmulator.start({ port: options.filesPort });
  const lines = [
    `Graph To Do emulator: ${graph.baseUrl}`,
    `  bearer token (new each run): ${graph.tokens[0] ?? ''}`,
    `  admin: ${graph.baseUrl.replace(/\/v1\.0$/, '')}/_emulator/state (changes need the header x-emulator-admin: 1)`,
    `File host emulator:   ${files.baseUrl}`,
  ];
  for (const sample of SAMPLE_FILES) {
    const f = files.addFile({ ...sample });
    lines.push(`  file ${f.id}  ${f.name} (${f.size} bytes)`);
  }
  lines.push('Press Ctrl+C to stop.');
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void Promise.all([graph.close(), files.close()]).then(() => {
      process.stdout.write('Emulators stopped.\n');
      process.exitCode = 0;
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : 'The emulators failed to start.'}\n`);
    process.exitCode = 1;
  });
}
