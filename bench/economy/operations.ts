/**
 * What the economy benchmark and the hostile benchmark share: the realistic operations (operations/*.graphql,
 * Customer360 asked for a person present in all four systems) and a client registry with one frontend key.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedPeople } from '../../emulators/shared/people.js';
import { hashApiKey } from '../../gateway/clients.js';

export type EconomyOperation = { name: string; query: string; variables: Record<string, unknown> };

/** The operations in bench/economy/operations, sorted by name, with their variables. */
export function loadEconomyOperations(): EconomyOperation[] {
  const person = seedPeople().find((p) => p.inStripe && p.inMixpanel && p.erpCustomerNo)!;
  const operationsDir = new URL('./operations/', import.meta.url);
  return readdirSync(operationsDir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => ({
      name: file.replace(/\.graphql$/, ''),
      query: readFileSync(new URL(file, operationsDir), 'utf8'),
      variables: file.startsWith('Customer360') ? { email: person.email } : {},
    }));
}

/** Writes a client registry (in a fresh temp folder) with one frontend client of this name and key; returns its path. */
export function writeFrontendRegistry(name: string, apiKey: string): string {
  const registry = join(mkdtempSync(join(tmpdir(), 'interchange-bench-')), 'clients.json');
  writeFileSync(
    registry,
    JSON.stringify({ clients: [{ name, kind: 'frontend', keySha256: hashApiKey(apiKey), rateLimitPerMinute: 10_000_000 }] }),
  );
  return registry;
}
