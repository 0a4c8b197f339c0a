import type { ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  getNamedType,
  isAbstractType,
  isObjectType,
  isInterfaceType,
  print,
  valueFromASTUntyped,
  visit,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../platform/index.js';
import type { GatewayContext } from './context.js';
import { Refusal, type PipelineStep } from './pipeline.js';
import type { Caller } from './caller.js';
import type { User } from './users.js';

/**
 * Federation's authorization directives, enforced at the gateway before planning. `@authenticated` needs a
 * user; `@requiresScopes(scopes: [[a, b], [c]])` needs all scopes of at least one inner list. A field is
 * checked against its own directives and those of the type it returns; a fragment against its type condition.
 * Unauthorized fields are removed from the operation (so no subgraph is asked for them) and come back null
 * with an UNAUTHORIZED_FIELD_OR_TYPE error at their path; `reject` refuses the whole request instead.
 */
export type AuthorizationMode = 'filter' | 'reject' | 'off';

type Requirement = { authenticated: boolean; scopes: string[][] | undefined };
/** What was removed: a field (null at its path) or a fragment whose type the caller may not see (error only). */
export type Removed = { path: string[]; message: string; field: boolean };

/** The alias of the `__typename` that keeps a selection set valid when every field in it was removed. */
const PLACEHOLDER = 'interchangeRemoved';

function requirementOf(node: ASTNode | null | undefined, into: Requirement): void {
  const directives = node && 'directives' in node ? node.directives : undefined;
  for (const directive of directives ?? []) {
    if (directive.name.value === 'authenticated') into.authenticated = true;
    if (directive.name.value === 'requiresScopes') {
      const value = directive.arguments?.find((arg) => arg.name.value === 'scopes')?.value;
      const scopes = value ? (valueFromASTUntyped(value) as string[][]) : [];
      // Both the field's and its type's apply: every alternative of one combined with every one of the other.
      into.scopes = into.scopes ? into.scopes.flatMap((a) => scopes.map((b) => [...new Set([...a, ...b])])) : scopes;
    }
  }
}

/** What a request may reach: whether someone authenticated (a user, or a client with scopes), and its scopes. */
export type Grant = { authenticated: boolean; scopes: ReadonlySet<string> };

/**
 * The request's grant from its user and its API client. A user token alone: the token's scopes. A client with
 * registry scopes alone (a partner's server calling for itself): the client's scopes, and it counts as
 * authenticated. Both: the intersection, because the app's key bounds what its users can reach through it (a
 * client without registry scopes bounds nothing). Neither: nothing.
 */
export function grantOf(caller: Caller, user: User | undefined): Grant {
  const bound = caller.kind === 'anonymous' ? undefined : caller.scopes;
  if (user) return { authenticated: true, scopes: bound ? new Set([...user.scopes].filter((scope) => bound.has(scope))) : user.scopes };
  if (bound) return { authenticated: true, scopes: bound };
  return { authenticated: false, scopes: new Set() };
}

function allows(requirement: Requirement, grant: Grant): boolean {
  if ((requirement.authenticated || requirement.scopes) && !grant.authenticated) return false;
  return !requirement.scopes || requirement.scopes.some((all) => all.every((scope) => grant.scopes.has(scope)));
}

function describe(requirement: Requirement): string {
  if (requirement.scopes)
    return `requires the scope${requirement.scopes.length > 1 ? 's of one of' : ''} ${requirement.scopes.map((all) => all.join(' + ')).join(' | ')}`;
  return 'requires a signed-in user (or an API client with scopes)';
}

/** Requirements by `Type` or `Type.field`, read once from the supergraph's directives. */
function requirementsIndex(schema: GraphQLSchema): (type: GraphQLNamedType, field?: string) => Requirement {
  const cache = new Map<string, Requirement>();
  return (type, field) => {
    const key = field ? `${type.name}.${field}` : type.name;
    let requirement = cache.get(key);
    if (!requirement) {
      requirement = { authenticated: false, scopes: undefined };
      if (field && (isObjectType(type) || isInterfaceType(type))) {
        const definition = type.getFields()[field];
        requirementOf(definition?.astNode, requirement);
        if (definition) requirementOf(getNamedType(definition.type).astNode, requirement);
      } else {
        requirementOf(type.astNode, requirement);
      }
      cache.set(key, requirement);
    }
    return requirement;
  };
}

/** Removes what `grant` may not reach from every operation, inlining fragments; returns the document and what went. */
export function authorizeDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  grant: Grant,
  requirements = requirementsIndex(schema),
): { document: DocumentNode; removed: Removed[] } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const removed: Removed[] = [];
  const seen = new Set<string>();
  const remove = (path: string[], what: string, requirement: Requirement, field: boolean) => {
    const key = `${path.join('.')}:${what}`;
    if (seen.has(key)) return;
    seen.add(key);
    removed.push({ path, field, message: `Not authorized to see ${what}: it ${describe(requirement)}.` });
  };

  const filter = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: string[]): SelectionSetNode => {
    const selections: SelectionNode[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const responseKey = selection.alias?.value ?? name;
        if (name.startsWith('__') || (isAbstractType(parent) && !isInterfaceType(parent))) {
          selections.push(selection);
          continue;
        }
        const requirement = requirements(parent, name);
        if (!allows(requirement, grant)) {
          remove([...path, responseKey], `${parent.name}.${name}`, requirement, true);
          continue;
        }
        const definition = parent.getFields()[name];
        const child = definition && getNamedType(definition.type);
        if (selection.selectionSet && child && (isObjectType(child) || isAbstractType(child))) {
          selections.push({ ...selection, selectionSet: filter(selection.selectionSet, child, [...path, responseKey]) });
        } else {
          selections.push(selection);
        }
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
      if (!condition || !(isObjectType(condition) || isAbstractType(condition))) continue;
      const requirement = requirements(condition);
      if (!allows(requirement, grant)) {
        remove(path, condition.name, requirement, false);
        continue;
      }
      selections.push({
        kind: Kind.INLINE_FRAGMENT,
        typeCondition: fragment.typeCondition,
        directives: selection.directives,
        selectionSet: filter(fragment.selectionSet, condition, path),
      });
    }
    if (selections.length === 0) {
      selections.push({ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PLACEHOLDER }, name: { kind: Kind.NAME, value: '__typename' } });
    }
    return { ...selectionSet, selections };
  };

  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation);
    if (!root) return { document, removed: [] };
    const selectionSet = filter(definition.selectionSet, root, []);
    // Variables only the removed fields used would fail validation ("never used"): they go too.
    const used = new Set<string>();
    visit(selectionSet, { Variable: (node) => void used.add(node.name.value) });
    operations.push({
      ...definition,
      selectionSet,
      variableDefinitions: definition.variableDefinitions?.filter((variable) => used.has(variable.variable.name.value)),
    });
  }
  return { document: removed.length ? { kind: Kind.DOCUMENT, definitions: operations } : document, removed };
}

/** The authorization step: rewrites `body.query` without what the caller may not see, or refuses in `reject` mode. */
export function authorizationStep(schema: GraphQLSchema, mode: Exclude<AuthorizationMode, 'off'>): PipelineStep {
  const requirements = requirementsIndex(schema);
  return {
    name: 'authorization',
    run({ state }) {
      if (!state.document) return;
      const grant = grantOf(state.caller, state.user);
      const { document, removed } = authorizeDocument(schema, state.document, grant, requirements);
      if (removed.length === 0) return;
      if (mode === 'reject') {
        throw new Refusal(
          grant.authenticated ? 403 : 401,
          grant.authenticated ? ErrorCode.FORBIDDEN : ErrorCode.UNAUTHENTICATED,
          removed.map((entry) => entry.message).join(' '),
          {
            extensions: { unauthorizedPaths: removed.map((entry) => entry.path.join('.')) },
          },
        );
      }
      state.document = document;
      state.body.query = print(document);
      state.removed = removed;
    },
  };
}

/** Puts null and an UNAUTHORIZED_FIELD_OR_TYPE error where the authorization step removed a field. */
function restore(data: unknown, path: readonly string[]): void {
  if (Array.isArray(data)) {
    for (const item of data) restore(item, path);
    return;
  }
  if (typeof data !== 'object' || data === null) return;
  const record = data as Record<string, unknown>;
  delete record[PLACEHOLDER];
  if (path.length === 1) record[path[0]!] = null;
  else if (path.length > 1) restore(record[path[0]!], path.slice(1));
  for (const value of Object.values(record)) if (typeof value === 'object' && value !== null && path.length === 0) restore(value, path);
}

export function authorizationPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const removed = contextValue.request.removed;
          if (!removed?.length || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const data = result.data as Record<string, unknown> | null | undefined;
          if (data) {
            for (const { path, field } of removed) if (field) restore(data, path);
            restore(data, []);
          }
          result.errors = [
            ...(result.errors ?? []),
            ...removed.map(({ path, message }) => ({ message, path, extensions: { code: ErrorCode.UNAUTHORIZED_FIELD_OR_TYPE } })),
          ];
        },
      };
    },
  };
}
