import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { childProcessEnv } from '../config';
import { redactText } from '../redact';
import type { PlaygroundLink, PlaygroundStatus } from './companion-server';
import { PlaygroundApi } from './playground-api';

/**
 * Microsoft 365 Agents Playground (`@microsoft/m365agentsplayground`) as a child process,
 * started exactly as the toolchain notes say: `-p PORT -e http://127.0.0.1:BOT/api/messages
 * -c msteams --disable-telemetry`, plus the three environment settings without which it
 * still tries to reach outside hosts for telemetry (DNS, the cloud metadata address).
 */

export const PLAYGROUND_TELEMETRY_OFF_ENV: Readonly<Record<string, string>> = {
  TEAMSAPPTESTER_BROWSER: 'none',
  APPLICATION_INSIGHTS_NO_STATSBEAT: '1',
  APPLICATIONINSIGHTS_CONFIGURATION_CONTENT: '{"disableAppInsights":true,"disableStatsbeat":true}',
};

export interface PlaygroundProcessOptions {
  /** Explicit port: the Playground has no "port 0". */
  port: number;
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages. */
  botEndpoint: string;
  /** Each line the Playground prints (secrets redacted, long lines shortened). */
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
  /** Where the Playground's cli.js is; found in node_modules when absent. */
  cliPath?: string;
  /** Called when it stops without being asked to (the bot and companion page keep running). */
  onUnexpectedExit?: (status: PlaygroundStatus) => void;
}

/** The Playground's cli.js, or undefined when the dev dependency is not installed. */
export function locatePlaygroundCli(from = __dirname): string | undefined {
  try {
    const pkg = require.resolve('@microsoft/m365agentsplayground/package.json', { paths: [from] });
    const cli = path.join(path.dirname(pkg), 'cli.js');
    return fs.existsSync(cli) ? cli : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The preload that keeps the Playground on loopback (it has no host option) and checks Host and
 * Origin on every request: src/playground/preload/loopback-only.cjs, found from src/ (ts-jest)
 * and from dist/src/ (tsc copies no .cjs) by walking up to the project folder.
 */
export function locateLoopbackPreload(from = __dirname): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'src', 'playground', 'preload', 'loopback-only.cjs');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The command line, for printing and for tests that check it is started as documented. */
export function playgroundArgs(port: number, botEndpoint: string): string[] {
  return ['-p', String(port), '-e', botEndpoint, '-c', 'msteams', '--disable-telemetry'];
}

const MAX_LINE = 300;
const TAIL_LINES = 20;

export class PlaygroundProcess implements PlaygroundLink {
  private child: ChildProcess | undefined;
  private current: PlaygroundStatus = { state: 'starting' };
  private client: PlaygroundApi | undefined;
  private readonly tail: string[] = [];
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly options: PlaygroundProcessOptions) {}

  status(): PlaygroundStatus {
    return { ...this.current };
  }

  api(): PlaygroundApi | undefined {
    return this.current.state === 'running' ? this.client : undefined;
  }

  /** Marks the Playground as not started, with the reason shown on the companion page. */
  unavailable(reason: string): void {
    this.current = { state: 'unavailable', reason };
  }

  /** The port to start on, when it is only known after construction. */
  setPort(port: number): void {
    this.options.port = port;
  }

  /** Not started on purpose (START_PLAYGROUND=false). */
  disable(reason: string): void {
    this.current = { state: 'disabled', reason };
  }

  /** Last resort when this process exits without a clean stop: never leave the child behind. */
  killNow(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** The process id while it runs (tests check it is gone afterwards). */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts it and waits until it listens; never throws: a failure becomes status 'unavailable'. */
  async start(): Promise<PlaygroundStatus> {
    const cli = this.options.cliPath ?? locatePlaygroundCli();
    if (!cli) {
      this.unavailable('the @microsoft/m365agentsplayground package is not installed (run npm install, without --omit=dev)');
      return this.status();
    }
    const preload = locateLoopbackPreload();
    if (!preload) {
      // Without it the Playground would listen on every interface and relay anyone's activities.
      this.unavailable('its loopback guard (src/playground/preload/loopback-only.cjs) is missing');
      return this.status();
    }
    const child = spawn(process.execPath, ['--require', preload, cli, ...playgroundArgs(this.options.port, this.options.botEndpoint)], {
      env: childProcessEnv({ ...PLAYGROUND_TELEMETRY_OFF_ENV }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));

    const ready = new Promise<PlaygroundStatus>((resolve) => {
      const timer = setTimeout(() => {
        this.unavailable(`it did not start listening within ${Math.round((this.options.readyTimeoutMs ?? 30_000) / 1000)} s${this.tailText()}`);
        child.kill('SIGTERM');
        resolve(this.status());
      }, this.options.readyTimeoutMs ?? 30_000);
      const onLine = (raw: string): void => {
        const line = redactText(raw).slice(0, MAX_LINE);
        if (line.trim() !== '') this.tail.push(line.trim());
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        this.options.onOutput?.(line);
        const m = /Listening on (\d+)/.exec(raw);
        if (m && this.current.state === 'starting') {
          clearTimeout(timer);
          const port = Number(m[1]);
          const url = `http://127.0.0.1:${port}`;
          this.client = new PlaygroundApi(url);
          this.current = { state: 'running', url };
          resolve(this.status());
        }
      };
      for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', onLine);
      child.once('error', (err) => {
        clearTimeout(timer);
        this.unavailable(`it could not be started (${err.message})`);
        resolve(this.status());
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.client = undefined;
        if (!this.stopping && (this.current.state === 'starting' || this.current.state === 'running')) {
          const wasRunning = this.current.state === 'running';
          this.unavailable(`it stopped (${signal ?? `exit code ${code ?? '?'}`})${this.tailText()}`);
          if (wasRunning) this.options.onUnexpectedExit?.(this.status());
        }
        resolve(this.status());
      });
    });
    return ready;
  }

  /** Stops the child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.current = { state: 'unavailable', reason: 'it was stopped' };
  }

  /** The lines that say what went wrong (error lines first, else the last few). */
  private tailText(): string {
    const errors = this.tail.filter((l) => /error|cannot|denied|EADDRINUSE/i.test(l)).slice(0, 3);
    const chosen = errors.length > 0 ? errors : this.tail.slice(-3);
    return chosen.length > 0 ? `; its last output: ${chosen.join(' | ')}` : '';
  }
}
