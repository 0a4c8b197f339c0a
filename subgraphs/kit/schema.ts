import { readFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';

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
