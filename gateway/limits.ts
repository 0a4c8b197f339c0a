import { ApolloArmor } from '@escape.tech/graphql-armor';
import { LRUCache } from 'lru-cache';
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { ErrorCode } from '../platform/index.js';
import { Refusal, type PipelineStep } from './pipeline.js';

/**
 * Limits on the document, checked before Apollo Server validates or the query planner sees it: a hostile
 * document is refused in the time it takes to read it, never planned or sent to a vendor. graphql-js counts
 * tokens while parsing (so a huge document stops at the limit, not at its end); graphql-armor's rules count
 * depth, aliases and directives; what neither has is written here: root fields, one field repeated in a
 * selection set (graphql-js's overlap check is quadratic in it), fragment definitions, and the planning guard,
 * the number of field selections once fragments are expanded, which is what the planner's work grows with.
 */
export type DocumentLimits = {
  /** Tokens in the document (MAX_QUERY_TOKENS, default 3000). */
  tokens: number;
  /** Nesting of fields, fragments followed (MAX_QUERY_DEPTH, default 10). */
  depth: number;
  /** Aliased fields in the operation (MAX_QUERY_ALIASES, default 30). */
  aliases: number;
  /** Fields at the root of the operation (MAX_QUERY_ROOT_FIELDS, default 20). */
  rootFields: number;
  /** Directives in the operation (MAX_QUERY_DIRECTIVES, default 30). */
  directives: number;
  /** Times one response key may appear in one selection set (MAX_QUERY_REPEATED_FIELDS, default 10). */
  repeatedFields: number;
  /** Fragment definitions in the document (MAX_QUERY_FRAGMENTS, default 50). */
  fragments: number;
  /** Planning guard: field selections with every fragment expanded (MAX_QUERY_PLANNED_FIELDS, default 2000). */
  plannedFields: number;
};

export const DEFAULT_LIMITS: DocumentLimits = {
  tokens: 3000,
  depth: 10,
  aliases: 30,
  rootFields: 20,
  directives: 30,
  repeatedFields: 10,
  fragments: 50,
  plannedFields: 2000,
};

const limitRefusal = (code: ErrorCode, message: string, limit: number, found?: number) =>
  new Refusal(400, code, message, { extensions: { limit, ...(found === undefined ? {} : { found }) } });

const tokenRefusal = (maxTokens: number) =>
  limitRefusal(
    ErrorCode.TOKEN_LIMIT_EXCEEDED,
    `The document has more than ${maxTokens} tokens, the limit (MAX_QUERY_TOKENS); parsing stopped there.`,
    maxTokens,
  );

/**
 * Whether the document has more than `maxTokens` tokens, lexing no further than that. graphql-js's own count
 * stops parsing at the limit too, but its error then locates itself by scanning the text for line breaks
 * from the start, up to the whole megabyte of a document written on one line.
 */
function overTokens(query: string, maxTokens: number): boolean {
  const lexer = new Lexer(new Source(query));
  try {
    for (let count = 0; lexer.advance().kind !== TokenKind.EOF;) if (++count > maxTokens) return true;
  } catch {
    // A syntax error: the parse reports it.
  }
  return false;
}

/**
 * Parses with the token limit: over it, a 400 naming the limit. A syntax error gives undefined, and Apollo
 * Server reports it as GRAPHQL_PARSE_FAILED (its parse stops at the same place ours did).
 */
export function parseLimited(query: string, maxTokens: number): DocumentNode | undefined {
  // Every token takes a character at least: only a text this long can be over the limit.
  if (query.length > maxTokens && overTokens(query, maxTokens)) throw tokenRefusal(maxTokens);
  try {
    return parse(query, { maxTokens });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    if (/contains more th\w+ \d+ tokens/.test(error.message)) throw tokenRefusal(maxTokens);
    return undefined;
  }
}

/** Repeated response keys, root fields and expanded size, in one walk that stops as soon as a limit is passed. */
function checkShape(document: DocumentNode, limits: DocumentLimits): void {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  if (fragments.size > limits.fragments) {
    throw limitRefusal(
      ErrorCode.FRAGMENT_LIMIT_EXCEEDED,
      `The document defines ${fragments.size} fragments; the limit is ${limits.fragments} (MAX_QUERY_FRAGMENTS).`,
      limits.fragments,
      fragments.size,
    );
  }
  let planned = 0;
  const expand = (selectionSet: SelectionSetNode, visiting: ReadonlySet<string>): number => {
    const seen = new Map<string, number>();
    let fields = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const times = (seen.get(key) ?? 0) + 1;
        if (times > limits.repeatedFields) {
          throw limitRefusal(
            ErrorCode.FIELD_LIMIT_EXCEEDED,
            `The field "${key}" is repeated more than ${limits.repeatedFields} times in one selection set (MAX_QUERY_REPEATED_FIELDS).`,
            limits.repeatedFields,
          );
        }
        seen.set(key, times);
        fields += 1;
        planned += 1;
        if (planned > limits.plannedFields) {
          throw limitRefusal(
            ErrorCode.PLAN_LIMIT_EXCEEDED,
            `The operation selects more than ${limits.plannedFields} fields once its fragments are expanded (MAX_QUERY_PLANNED_FIELDS); it would not be planned in time. Split it.`,
            limits.plannedFields,
          );
        }
        if (selection.selectionSet) expand(selection.selectionSet, visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        fields += expand(selection.selectionSet, visiting);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Unknown and cyclic spreads are graphql-js validation errors; they are not expanded here.
        if (fragment && !visiting.has(name)) fields += expand(fragment.selectionSet, new Set([...visiting, name]));
      }
    }
    return fields;
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = expand(definition.selectionSet, new Set());
    if (root > limits.rootFields) {
      throw limitRefusal(
        ErrorCode.ROOT_FIELD_LIMIT_EXCEEDED,
        `The operation has ${root} root fields; the limit is ${limits.rootFields} (MAX_QUERY_ROOT_FIELDS).`,
        limits.rootFields,
        root,
      );
    }
  }
}

/** A document's verdict: refused, or its parsed document (undefined: a syntax error Apollo Server reports). */
type Verdict = { refusal: Refusal } | { document: DocumentNode | undefined };
/** Documents up to this many characters have their verdict remembered... */
const CACHED_QUERY_CHARS = 20_000;
/**
 * ...up to this many characters of documents in all. A syntax tree takes about 40 bytes of heap per character
 * of its text (tokens, locations), so this is about 8 MB of heap, a few hundred typical operations.
 */
const VERDICT_CACHE_CHARS = 200_000;

/**
 * The limits step: parses `body.query` under the token limit, checks the shape, then runs graphql-armor's
 * depth, alias and directive rules against the API schema. Sets `state.document`.
 */
export function documentLimits(schema: GraphQLSchema, limits: DocumentLimits): PipelineStep {
  // Each armor rule reports through our callback, so the error carries the limit's own code and variable.
  const tag = (code: ErrorCode, limit: number, variable: string) => ({
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(
          new GraphQLError(`${error.message.replace(/^Syntax Error: /, '')} (${variable})`, { extensions: { code, limit } }),
        ),
    ],
    propagateOnRejection: false,
    exposeLimits: true,
  });
  const { validationRules } = new ApolloArmor({
    maxDepth: { n: limits.depth, flattenFragments: true, ...tag(ErrorCode.DEPTH_LIMIT_EXCEEDED, limits.depth, 'MAX_QUERY_DEPTH') },
    maxAliases: { n: limits.aliases, ...tag(ErrorCode.ALIAS_LIMIT_EXCEEDED, limits.aliases, 'MAX_QUERY_ALIASES') },
    maxDirectives: { n: limits.directives, ...tag(ErrorCode.DIRECTIVE_LIMIT_EXCEEDED, limits.directives, 'MAX_QUERY_DIRECTIVES') },
    // Tokens are counted by our own parse; cost by the cost step (@cost/@listSize); suggestions by Apollo Server.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();

  const check = (query: string): Verdict => {
    try {
      const document = parseLimited(query, limits.tokens);
      if (!document) return { document: undefined };
      checkShape(document, limits);
      const [error] = validate(schema, document, validationRules, { maxErrors: 1 });
      if (error)
        return {
          refusal: new Refusal(400, error.extensions.code as ErrorCode, error.message, { extensions: { limit: error.extensions.limit } }),
        };
      return { document };
    } catch (error) {
      if (error instanceof Refusal) return { refusal: error };
      throw error;
    }
  };
  // The verdict depends on the text alone, and callers send the same few operations over and over: parsing and
  // walking each of them once keeps the limits nearly free for normal traffic. Only short texts are kept, so
  // the cache stays small and a hostile megabyte is never stored (nor is it read twice: it stops at the limit).
  const verdicts = new LRUCache<string, Verdict>({ maxSize: VERDICT_CACHE_CHARS, sizeCalculation: (_verdict, query) => query.length });

  return {
    name: 'limits',
    run({ state }) {
      const query = state.body.query;
      if (typeof query !== 'string') return;
      let verdict = verdicts.get(query);
      if (!verdict) {
        verdict = check(query);
        if (query.length <= CACHED_QUERY_CHARS) verdicts.set(query, verdict);
      }
      if ('refusal' in verdict) throw verdict.refusal;
      if (verdict.document) state.document = verdict.document;
    },
  };
}
