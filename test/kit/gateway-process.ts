import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type GatewayProcess = { url: string; child: ChildProcess; output: string[]; stop(): Promise<void> };

/** `npm start -- gateway` as its own OS process, as a replica runs in production; resolves once it listens. */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'launcher/main.ts', 'gateway'], {
    cwd: ROOT,
    env: { ...process.env, GATEWAY_PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway process did not start:\n${output.join('')}`)), 20_000);
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = output.join('').match(/Interchange gateway: (http:\/\/[\d.:]+)\/graphql/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`gateway process exited with ${code}:\n${output.join('')}`)));
  });
  return {
    url,
    child,
    output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
