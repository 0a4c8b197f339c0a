import type { ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { GatewayContext } from './context.js';
import { MUTATION_BASE_COST, weightOf } from './cost.js';

/**
 * The actual cost of an answer, as Apollo's router reports it next to the estimate: the same @cost weights,
 * but counted over what the response holds, so a list costs the items it returned rather than `first` or its
 * @listSize. Walks the response data guided by the operation: every field present in the data costs its weight
 * (a null composite field too: it was asked for), each list item its weight plus its own fields; fields of one
 * response key merged across fragments count once; a fragment applies where `__typename` matches its type
 * condition, or, with no `__typename` in the data, wherever its fields are present.
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  data: Record<string, unknown> | null | undefined,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const applies = (typeCondition: string | undefined, value: Record<string, unknown>): boolean => {
    if (!typeCondition || typeof value.__typename !== 'string' || typeCondition === value.__typename) return true;
    const condition = schema.getType(typeCondition);
    const concrete = schema.getType(value.__typename);
    return !!condition && isAbstractType(condition) && isObjectType(concrete) && schema.isSubType(condition, concrete);
  };

  /** The fields of a selection set for one value, by response key, fragments followed (each once). */
  const collect = (selectionSet: SelectionSetNode, value: Record<string, unknown>, into: Map<string, FieldNode[]>, seen: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        into.set(key, [...(into.get(key) ?? []), selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition?.name.value, value)) collect(selection.selectionSet, value, into, seen);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment && applies(fragment.typeCondition.name.value, value)) collect(fragment.selectionSet, value, into, seen);
      }
    }
    return into;
  };

  const objectCost = (selectionSets: ReadonlyArray<SelectionSetNode>, parent: GraphQLNamedType, value: Record<string, unknown>): number => {
    // A value of an abstract type is costed on its concrete type when the data names it.
    const named = typeof value.__typename === 'string' ? schema.getType(value.__typename) : undefined;
    const type = named && isObjectType(named) ? named : parent;
    if (!(isObjectType(type) || isInterfaceType(type))) return 0;
    const fields = new Map<string, FieldNode[]>();
    for (const selectionSet of selectionSets) collect(selectionSet, value, fields, new Set());
    let total = 0;
    for (const [key, nodes] of fields) {
      if (!(key in value)) continue;
      const field = type.getFields()[nodes[0]!.name.value];
      if (!field) continue;
      const children = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
      total += valueCost(children, getNamedType(field.type), weightOf(field), value[key]);
    }
    return total;
  };

  const valueCost = (selectionSets: ReadonlyArray<SelectionSetNode>, type: GraphQLNamedType, weight: number, value: unknown): number => {
    if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + valueCost(selectionSets, type, weight, item), 0);
    if (value === null || typeof value !== 'object' || selectionSets.length === 0) return weight;
    return weight + objectCost(selectionSets, type, value as Record<string, unknown>);
  };

  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const base = operation.operation === 'mutation' ? MUTATION_BASE_COST * operation.selectionSet.selections.length : 0;
  return base + (data ? objectCost([operation.selectionSet], root, data) : 0);
}

/**
 * After the answer: its actual cost settles the caller's budget (charged the estimate before), and goes into
 * `extensions.cost` next to the estimate when the request asked with `extensions: { cost: true }`. A response
 * cache hit never reaches this: it stays charged the estimate.
 */
export function costReportPlugin(schema: GraphQLSchema): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue, document, operation }) {
          const cost = contextValue.request.cost;
          if (!cost || response.body.kind !== 'single' || !document || !operation) return;
          const result = response.body.singleResult;
          const actual = actualCost(schema, document, operation, result.data);
          await cost.settle?.(actual);
          if (!cost.requested) return;
          result.extensions = { ...result.extensions, cost: { estimated: cost.estimated, actual, limit: cost.limit } };
        },
      };
    },
  };
}
