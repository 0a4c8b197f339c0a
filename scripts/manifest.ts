/**
 * Builds operations/manifest.json (Apollo's persisted query manifest format) from operations/partners/*.graphql:
 * each operation is validated against the supergraph's API schema, printed canonically and keyed by the
 * SHA-256 of that text. (scripts/check-generated.sh fails CI when the checked-in file is stale.)
 */
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { Kind, parse, print, validate, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const source = new URL('operations/partners/', root);
const target = new URL('operations/manifest.json', root);

// The gateway enforces the SECURITY features (authorization directives) itself, before planning.
const schema = Supergraph.build(readFileSync(new URL('schema/supergraph.graphql', root), 'utf8'), {
  supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
})
  .apiSchema()
  .toGraphQLJSSchema();
const problems: string[] = [];
const operations: Array<{ id: string; name: string; type: string; body: string }> = [];

for (const file of readdirSync(source)
  .filter((name) => name.endsWith('.graphql'))
  .sort()) {
  let document: DocumentNode;
  try {
    document = parse(readFileSync(new URL(file, source), 'utf8'));
  } catch (error) {
    problems.push(`${file}: ${(error as Error).message}`);
    continue;
  }
  const definitions = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (definitions.length !== 1 || !definitions[0]!.name) {
    problems.push(`${file}: expected exactly one named operation (and its fragments)`);
    continue;
  }
  for (const error of validate(schema, document)) problems.push(`${file}: ${error.message}`);
  const body = print(document);
  operations.push({
    id: createHash('sha256').update(body).digest('hex'),
    name: definitions[0]!.name.value,
    type: definitions[0]!.operation,
    body,
  });
}

const names = operations.map((operation) => operation.name);
for (const name of names.filter((name, index) => names.indexOf(name) !== index)) problems.push(`operation name ${name} is used twice`);
if (problems.length > 0) {
  console.error(`Persisted operations are invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(1);
}

const manifest = `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`;
writeFileSync(target, manifest);
console.log(`Wrote ${operations.length} persisted operation(s) to operations/manifest.json.`);
