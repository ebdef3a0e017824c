// Runs the lora-edge command line as a child process, the way an operator does: from dist/ when the
// tests were built, from src/ through tsx when a test file is run directly.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { packagePath } from '../../src/paths.js';

export function cliCommand(): { exec: string; args: string[] } {
  const built = fileURLToPath(import.meta.url).includes('/dist/');
  return built
    ? { exec: process.execPath, args: [packagePath('dist', 'src', 'main.js')] }
    : { exec: process.execPath, args: ['--import', 'tsx', packagePath('src', 'main.ts')] };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const { exec, args: pre } = cliCommand();
  return spawn(exec, [...pre, ...args], {
    cwd: packagePath(),
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<CliResult> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
