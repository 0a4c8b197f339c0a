import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ChildRun = { child: ChildProcess; output: string[]; exited: Promise<number | null> };

/** A repository script as its own OS process (`launcher/main.ts worker`, `events/cli.ts redrive`). */
export function runScript(script: string, args: string[], env: Record<string, string>): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

/** Resolves once the process printed a line matching `pattern`; rejects if it exits first or takes too long. */
export function printed(run: ChildRun, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${run.output.join('')}`)), timeoutMs);
    const check = () => {
      if (pattern.test(run.output.join(''))) {
        clearTimeout(timer);
        resolve();
      }
    };
    run.child.stdout!.on('data', check);
    run.child.stderr!.on('data', check);
    run.exited.then((code) => {
      clearTimeout(timer);
      if (!pattern.test(run.output.join(''))) reject(new Error(`exited with ${code}:\n${run.output.join('')}`));
    });
    check();
  });
}
