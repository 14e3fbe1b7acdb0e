import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Runs a TypeScript module of this repository in a child Node process (no build step): a
 * require hook transpiles .ts files with the pinned TypeScript, as ts-jest does. For tests that
 * need a process of their own, e.g. with a different TMPDIR (Jest gives each test file a copy
 * of process.env, which os.tmpdir() never reads).
 */
const BOOT = `
const fs = require('node:fs');
const ts = require('typescript');
require.extensions['.ts'] = (m, file) => {
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  m._compile(out.outputText, file);
};
require(process.argv[1]);
`;

export interface TsChild {
  child: ChildProcess;
  /** The first line the child prints on stdout (children print what the test needs, e.g. a port). */
  firstLine: Promise<string>;
  stop(): Promise<void>;
}

export function runTsChild(modulePath: string, env: Record<string, string>): TsChild {
  const child = spawn(process.execPath, ['-e', BOOT, modulePath], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => resolve(l));
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before printing: ${stderr.slice(0, 2000)}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    firstLine,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
