/**
 * `npm start` runs the built JavaScript (npm run build, then node dist/launcher/main.js), not the TypeScript
 * through tsx: the build must carry everything the stack reads beside its code (WSDL, sync rules, schema, config).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { seedPeople } from '../../emulators/shared/people.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const stops: Array<() => void> = [];
afterAll(() => stops.forEach((stop) => stop()));

it('builds dist/ and the built stack answers a query over every vendor', async () => {
  const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts.start).toBe('npm run --silent build && node dist/launcher/main.js');
  await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: ROOT });
  expect(existsSync(`${ROOT}dist/subgraphs/erp/wsdl/Customer.wsdl`)).toBe(true);

  const child = spawn(process.execPath, ['dist/launcher/main.js'], {
    cwd: ROOT,
    env: { ...process.env, STACK_PORTS: 'ephemeral', PGLITE_DATA_DIR: 'memory', LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stops.push(() => child.kill('SIGTERM'));
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the built stack did not start:\n${output.join('')}`)), 60_000);
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = output.join('').match(/Interchange gateway: (http:\/\/[\d.:]+\/graphql)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`the built stack exited with ${code}:\n${output.join('')}`)));
  });

  // HubSpot, Stripe, Mixpanel and the ERP over SOAP (its WSDL read through dist/): Customer360, as the economy benchmark sends it.
  const query = readFileSync(`${ROOT}bench/economy/operations/Customer360.graphql`, 'utf8');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables: { email: seedPeople()[0]!.email } }),
  });
  const body = (await response.json()) as { data?: { customerByEmail: Record<string, unknown> }; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  expect(body.data?.customerByEmail).toMatchObject({
    email: seedPeople()[0]!.email,
    billing: { balance: { formatted: expect.any(String) } },
    eventCounts: expect.any(Array),
    orders: { nodes: expect.any(Array) },
  });
}, 120_000);
