import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The CLI as a user runs it: a separate process, its output and its exit code.

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/porchlight.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: <T = any>() => T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function cliEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
}

/** Start `porchlight serve`; resolves once it prints its start-up JSON. */
export function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; info: { url: string; demo: { api_key: string } | null } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--json', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 90_000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      try {
        const info = JSON.parse(out);
        clearTimeout(timer);
        resolve({ child, info });
      } catch {
        // not complete yet
      }
    });
    child.on('close', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}
