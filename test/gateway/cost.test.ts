/**
 * Demand control's figures on the real supergraph: the default per-request maximum lets the README's examples
 * and the economy benchmark's operations through, and refuses the hostile shapes; the actual cost of an answer
 * counts what it holds.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { buildASTSchema, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { actualCost } from '../../gateway/actual-cost.js';
import { DEFAULT_COST, estimateCost } from '../../gateway/cost.js';

const schema = buildASTSchema(parse(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8')), {
  assumeValidSDL: true,
});
const estimate = (text: string) => estimateCost(schema, parse(text));

describe('the default cost maximum', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const operations = new URL('../../bench/economy/operations/', import.meta.url);
  const economy = readdirSync(operations).map((file) => readFileSync(new URL(file, operations), 'utf8'));

  it.each([...examples, ...economy].map((text) => [text.trim().split('\n')[0]!.slice(0, 60), text]))('lets through %s', (_name, text) => {
    expect(estimate(text)).toBeLessThanOrEqual(DEFAULT_COST.maxPerRequest);
  });

  it('refuses 100 customers of each of 100 customers’ companies', () => {
    expect(estimate('{ customers(first: 100) { nodes { company { customers(first: 100) { nodes { id } } } } } }')).toBeGreaterThan(
      DEFAULT_COST.maxPerRequest,
    );
  });
});

describe('actual cost', () => {
  const cost = (text: string, data: Record<string, unknown>) => {
    const document = parse(text);
    return actualCost(schema, document, document.definitions[0] as OperationDefinitionNode, data);
  };

  it('counts the items a list returned, not the items it asked for', () => {
    const text = '{ customers(first: 50) { nodes { id company { id } } } }';
    expect(estimate(text)).toBe(1 + 50 * (1 + 1));
    expect(
      cost(text, {
        customers: {
          nodes: [
            { id: '1', company: { id: 'a' } },
            { id: '2', company: null },
          ],
        },
      }),
    ).toBe(1 + 2 * (1 + 1));
  });

  it('merges a response key selected twice and follows fragments on the type the data names', () => {
    const text = '{ customer(id: "1") { id ...C company { id } } } fragment C on Customer { company { name } }';
    expect(cost(text, { customer: { __typename: 'Customer', id: '1', company: { id: 'a', name: 'A' } } })).toBe(1 + 1);
  });

  it('costs nothing for an answer without data', () => {
    expect(cost('{ customers(first: 5) { nodes { id } } }', {})).toBe(0);
  });
});
