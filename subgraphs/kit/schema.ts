import { readFileSync } from 'node:fs';
import { Kind, parse, type DocumentNode } from 'graphql';

const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

/** The SDL a subgraph serves: schema/shared.graphql followed by schema/<name>.graphql. */
export function subgraphSdl(name: string): string {
  const shared = readFileSync(new URL('shared.graphql', SCHEMA_DIR), 'utf8');
  const own = readFileSync(new URL(`${name}.graphql`, SCHEMA_DIR), 'utf8');
  return `${shared}\n${own}`;
}

export function subgraphTypeDefs(name: string): DocumentNode {
  return parse(subgraphSdl(name));
}

/**
 * Each object type's own `@cacheControl(maxAge: N)` in seconds, read from the subgraph's SDL: the one place a
 * type's lifetime is stated, for the response's Cache-Control and the entity cache alike.
 */
export function cacheMaxAges(typeDefs: DocumentNode): Map<string, number> {
  const ages = new Map<string, number>();
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const hint = definition.directives?.find((directive) => directive.name.value === 'cacheControl');
    const maxAge = hint?.arguments?.find((argument) => argument.name.value === 'maxAge')?.value;
    if (maxAge?.kind === Kind.INT && !ages.has(definition.name.value)) ages.set(definition.name.value, Number(maxAge.value));
  }
  return ages;
}
