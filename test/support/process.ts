import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CLI_DIST } from './build-once.js';

/** The real command line, compiled from the current sources once per test run (global setup). */
const MAIN = join(CLI_DIST, 'main.js');

export interface GatehouseProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited and its output is complete. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isExited(): boolean;
}

const running = new Set<ChildProcess>();

/** Runs `gatehouse <args>` as a child process with exactly the given environment. */
export function spawnGatehouse(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): GatehouseProcess {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      done = true;
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited, isExited: () => done };
}

/** Sends a signal and waits for the exit (no-op when already gone). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await gone;
}

/** Kills every child a test left behind. */
export async function killAllGatehouses(): Promise<void> {
  await Promise.all([...running].map((c) => stopProcess(c, 'SIGKILL')));
}

/** A port that was free a moment ago (callers retry on EADDRINUSE). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}
