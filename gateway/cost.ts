import {
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  type SelectionSetNode,
} from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode, type SharedState } from '../platform/index.js';
import { Refusal, type PipelineStep } from './pipeline.js';

/**
 * Demand control from federation's @cost and @listSize, before planning: each composite field costs its
 * @cost weight (default 1; scalars and enums 0), a list multiplies its items' cost by the slicing argument
 * (`first`, from the argument or its default) or @listSize's assumed size (else DEFAULT_LIST_SIZE). An
 * operation above the per-request maximum is refused; the rest is charged to the caller's budget per minute
 * (Redis when configured, shared by replicas), so one caller cannot spend every caller's vendor quotas.
 */
export type CostOptions = {
  /**
   * Highest estimated cost of one operation (COST_MAX_PER_REQUEST, default 10000): set from measured operations
   * with a margin. The README's heaviest example (50 customers with billing, invoices and subscriptions) estimates
   * 6701, the economy benchmark's operations 3551 (BillingReport), 748 (Dashboard) and 296 (Customer360); a
   * 12-level nested query estimates in the trillions.
   */
  maxPerRequest: number;
  /** Cost a declared API client or user may spend a minute (COST_BUDGET_PER_MINUTE, default 100000). */
  budgetPerMinute: number;
  /** Cost an anonymous caller may spend a minute, per address (COST_BUDGET_ANONYMOUS_PER_MINUTE, default 50000). */
  anonymousBudgetPerMinute: number;
};

export const DEFAULT_COST: CostOptions = { maxPerRequest: 10_000, budgetPerMinute: 100_000, anonymousBudgetPerMinute: 50_000 };

/** What each root field of a mutation costs on top of its selection: it writes to a vendor. */
export const MUTATION_BASE_COST = 10;

/** The size assumed for a list with neither a slicing argument nor @listSize. */
const DEFAULT_LIST_SIZE = 10;

type ListSize = { slicing: string[]; sized: string[]; assumed: number | undefined };

function directiveArgs(
  node:
    | {
        directives?: ReadonlyArray<{
          name: { value: string };
          arguments?: ReadonlyArray<{ name: { value: string }; value: Parameters<typeof valueFromASTUntyped>[0] }>;
        }>;
      }
    | null
    | undefined,
  name: string,
): Record<string, unknown> | undefined {
  const directive = node?.directives?.find((d) => d.name.value === name);
  return directive
    ? Object.fromEntries((directive.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value)]))
    : undefined;
}

// Read from the schema's directives once per field: the schema does not change while the gateway runs.
const weights = new WeakMap<GraphQLField<unknown, unknown>, number>();
const listSizes = new WeakMap<GraphQLField<unknown, unknown>, ListSize | undefined>();

export function weightOf(field: GraphQLField<unknown, unknown>): number {
  let weight = weights.get(field);
  if (weight === undefined) weights.set(field, (weight = readWeight(field)));
  return weight;
}

function listSizeOf(field: GraphQLField<unknown, unknown>): ListSize | undefined {
  if (!listSizes.has(field)) listSizes.set(field, readListSize(field));
  return listSizes.get(field);
}

function readWeight(field: GraphQLField<unknown, unknown>): number {
  const cost = directiveArgs(field.astNode, 'cost') ?? directiveArgs(getNamedType(field.type).astNode as never, 'cost');
  if (typeof cost?.weight === 'number') return cost.weight;
  return isCompositeType(getNamedType(field.type)) ? 1 : 0;
}

function readListSize(field: GraphQLField<unknown, unknown>): ListSize | undefined {
  const args = directiveArgs(field.astNode, 'listSize');
  if (!args) return undefined;
  return {
    slicing: (args.slicingArguments as string[] | undefined) ?? [],
    sized: (args.sizedFields as string[] | undefined) ?? [],
    assumed: args.assumedSize as number | undefined,
  };
}

function isList(type: GraphQLType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** The slicing argument's value as sent (literal or variable) or its default; else the assumed size. */
function sizeFrom(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  listSize: ListSize | undefined,
  variables: Record<string, unknown>,
): number {
  for (const name of listSize?.slicing ?? []) {
    const arg = node.arguments?.find((a) => a.name.value === name);
    const value = arg ? valueFromASTUntyped(arg.value, variables) : field.args.find((a) => a.name === name)?.defaultValue;
    if (typeof value === 'number') return Math.max(0, value);
  }
  return listSize?.assumed ?? DEFAULT_LIST_SIZE;
}

/** The static cost of every operation in the document (the highest, when it holds several). */
export function estimateCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const selectionCost = (
    selectionSet: SelectionSetNode,
    parent: GraphQLNamedType,
    multiplyFields: ReadonlySet<string>,
    multiplier: number,
    visiting: ReadonlySet<string>,
  ): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        const listSize = listSizeOf(field);
        const size = sizeFrom(field, selection, listSize, variables);
        const child = getNamedType(field.type);
        // A field named in the parent's sizedFields is the list the parent's slicing argument sizes.
        const times = multiplyFields.has(selection.name.value) ? multiplier : isList(field.type) ? size : 1;
        const inner = selection.selectionSet
          ? selectionCost(selection.selectionSet, child, new Set(listSize?.sized ?? []), size, visiting)
          : 0;
        total += times * (weightOf(field) + inner);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
        total += selectionCost(selection.selectionSet, condition, multiplyFields, multiplier, visiting);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visiting.has(fragment.name.value)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value) ?? parent;
        total += selectionCost(fragment.selectionSet, condition, multiplyFields, multiplier, new Set([...visiting, fragment.name.value]));
      }
    }
    return total;
  };

  let highest = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation);
    if (root)
      highest = Math.max(
        highest,
        selectionCost(definition.selectionSet, root, new Set(), 1, new Set()) +
          (definition.operation === 'mutation' ? MUTATION_BASE_COST * definition.selectionSet.selections.length : 0),
      );
  }
  return highest;
}

/**
 * Variable sets whose estimate is remembered per document (the limits step hands over the same document object
 * for the same text); past this many, that document's are forgotten.
 */
const ESTIMATES_PER_DOCUMENT = 64;
/** Variables longer than this (as JSON) are estimated every time, so the remembered ones stay small. */
const ESTIMATED_VARIABLES_CHARS = 2048;

/** The cost step: estimate, refuse above the maximum, charge the caller's budget for the minute. */
export function costStep(schema: GraphQLSchema, state: SharedState, options: CostOptions): PipelineStep {
  // The estimate depends on the document and the variables only, and callers repeat the same few operations.
  const estimates = new WeakMap<DocumentNode, Map<string, number>>();
  const estimate = (document: DocumentNode, variables: Record<string, unknown>): number => {
    const key = JSON.stringify(variables);
    let known = estimates.get(document);
    if (!known) estimates.set(document, (known = new Map()));
    let cost = known.get(key);
    if (cost === undefined) {
      cost = estimateCost(schema, document, variables);
      if (key.length > ESTIMATED_VARIABLES_CHARS) return cost;
      if (known.size >= ESTIMATES_PER_DOCUMENT) known.clear();
      known.set(key, cost);
    }
    return cost;
  };
  const limiter = (points: number, prefix: string): RateLimiterAbstract => {
    const base = { points, duration: 60, keyPrefix: `interchange:cost:${prefix}` };
    return state.redis
      ? new RateLimiterRedis({ ...base, storeClient: state.redis, insuranceLimiter: new RateLimiterMemory(base) })
      : new RateLimiterMemory(base);
  };
  const known = limiter(options.budgetPerMinute, 'known');
  const anonymous = limiter(options.anonymousBudgetPerMinute, 'anonymous');
  return {
    name: 'cost',
    async run({ res, state: request }) {
      if (!request.document) return;
      const variables =
        typeof request.body.variables === 'object' && request.body.variables !== null
          ? (request.body.variables as Record<string, unknown>)
          : {};
      const estimated = estimate(request.document, variables);
      const requested = request.body.extensions?.cost === true;
      request.cost = { estimated, limit: options.maxPerRequest, requested };
      if (estimated > options.maxPerRequest) {
        throw new Refusal(
          400,
          ErrorCode.COST_LIMIT_EXCEEDED,
          `The operation's estimated cost is ${estimated}, over the limit of ${options.maxPerRequest} (COST_MAX_PER_REQUEST): ask for fewer items (first) or fewer nested lists.`,
          {
            extensions: { cost: { estimated, limit: options.maxPerRequest } },
          },
        );
      }
      if (estimated === 0) return;
      const { user, caller } = request;
      const [budget, key, points] = user
        ? [known, `user:${user.issuer}:${user.sub}`, options.budgetPerMinute]
        : caller.kind === 'anonymous'
          ? [anonymous, `ip:${caller.address}`, options.anonymousBudgetPerMinute]
          : [known, `client:${caller.name}`, options.budgetPerMinute];
      try {
        const spent = await budget.consume(key, estimated);
        res.set('X-Cost-Budget-Remaining', String(spent.remainingPoints));
        // Charged the estimate up front (so concurrent requests cannot overspend), corrected once the answer
        // says what was actually returned: a page shorter than `first` gives the difference back.
        request.cost.settle = async (actual) => {
          if (actual === estimated) return;
          await (actual < estimated ? budget.reward(key, estimated - actual) : budget.penalty(key, actual - estimated)).catch(
            () => undefined,
          );
        };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new Refusal(
          429,
          ErrorCode.COST_BUDGET_EXCEEDED,
          `This operation (cost ${estimated}) is over what is left of your cost budget of ${points} a minute; retry in ${retryAfter} s.`,
          {
            headers: { 'Retry-After': String(retryAfter) },
            extensions: { cost: { estimated, budgetPerMinute: points } },
          },
        );
      }
    },
  };
}
