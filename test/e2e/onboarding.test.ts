/**
 * A new user's first steps, as the README gives them: add a partner with `npm run client:add`, make a partner
 * call with the printed key; put a setting in `.env` and see it take effect (the environment still wins).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../kit/gateway-process.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'interchange-onboarding-'));
const manifest = JSON.parse(readFileSync(join(ROOT, 'operations/manifest.json'), 'utf8')) as {
  operations: Array<{ id: string; name: string }>;
};

let stack: TestStack | undefined;
let gateway: GatewayProcess | undefined;
afterAll(async () => {
  await stack?.close();
  await gateway?.stop();
});

describe('partner onboarding', () => {
  it('client:add prints a key and the next steps, and the key makes a working partner call', async () => {
    const registry = join(dir, 'clients.json');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/add-client.ts', 'acme', 'partner', '600', registry], {
      cwd: ROOT,
    });
    const key = /API key \(shown once[^)]*\): (\S+)/.exec(stdout)?.[1];
    expect(key).toMatch(/^ix_p_/);
    expect(stdout).toMatch(/Next:/);
    expect(stdout).toContain(`CLIENT_REGISTRY=${registry}`);
    expect(stdout).toContain('operations/manifest.json');

    stack = await startTestStack({ CLIENT_REGISTRY: registry });
    const email = [...stack.emulators.hubspot!.store.all('contacts')][3]!.properties.email;
    const profile = manifest.operations.find((operation) => operation.name === 'CustomerProfile')!;
    const response = await fetch(`${stack.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key! },
      body: JSON.stringify({ documentId: `sha256:${profile.id}`, variables: { email } }),
    });
    const body = (await response.json()) as { data?: { customerByEmail?: { email: string } }; errors?: unknown[] };
    expect(response.status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.customerByEmail?.email).toBe(email);
  });
});

describe('.env', () => {
  it('takes effect, and the environment wins over it', async () => {
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'REQUIRE_API_KEY=true\n');
    const anonymous = async (url: string) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      return response.status;
    };
    // The gateway alone, pointed at the subgraphs of the stack started above.
    stack ??= await startTestStack();
    const subgraphs = Object.fromEntries(
      Object.entries(stack.subgraphUrls).map(([name, url]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url]),
    );
    gateway = await startGatewayProcess({ ...subgraphs, ENV_FILE: envFile });
    expect(await anonymous(gateway.url)).toBe(401);
    await gateway.stop();
    gateway = await startGatewayProcess({ ...subgraphs, ENV_FILE: envFile, REQUIRE_API_KEY: 'false' });
    expect(await anonymous(gateway.url)).toBe(200);
  }, 60_000);
});
