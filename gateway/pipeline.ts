import type { Request, RequestHandler, Response } from 'express';
import type { DocumentNode } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../platform/index.js';
import type { Caller, Identify, Identity } from './caller.js';
import type { PenaltyBox } from './penalty-box.js';
import type { PendingResponse } from './response-cache.js';
import type { User } from './users.js';

/**
 * The gateway's request pipeline: the steps a GraphQL request passes, in order, before Apollo Server plans and
 * runs it (DIRECTION.md, "A query's way"): caller identification → document limits → persisted documents →
 * cost estimate and budget → authorization → Apollo. Each step reads and fills one typed per-request state; a
 * step refuses by throwing a `Refusal` (answered as a GraphQL-shaped error with its HTTP status), or answers
 * the request itself (a cache fast path) by returning `'answered'`. New steps slot in by position in the list.
 *
 * Two halves around body parsing: `gate` (headers only: identification and the penalty box, so a caller who
 * keeps being refused is turned away before its body is read) and `handler` (the steps, on the parsed body).
 * In front of both, `front` answers a boxed caller from the HTTP server itself, before express routes the
 * request, whenever telling who it is needs no waiting: a caller looping on refusals costs next to nothing.
 */

/** The GraphQL request as sent (POST JSON body, or a GET query string), as the steps rewrite it. */
export type GraphQLBody = {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  documentId?: unknown;
  extensions?: ({ persistedQuery?: { sha256Hash?: unknown } } & Record<string, unknown>) | undefined;
};

/** What the gateway knows about one request; filled in step by step and handed to Apollo's context. */
export type RequestState = {
  /** Who is calling: set by identification, before any step runs. */
  readonly caller: Caller;
  /** The person, when the request carries a verified bearer token: set by identification too. */
  readonly user: User | undefined;
  /** The request body; steps may replace `query` (persisted documents, authorization). */
  body: GraphQLBody;
  /** The parsed document of `body.query`, once a step parsed it (kept in step with `body.query`). */
  document?: DocumentNode;
  /** The static cost estimate of the operation, once the cost step ran. */
  cost?: {
    estimated: number;
    limit: number;
    /** The request asked for `extensions.cost`. */
    requested: boolean;
    /** Corrects the caller's budget from the estimate it was charged to the actual cost; set once charged. */
    settle?: (actual: number) => Promise<void>;
  };
  /** Fields the authorization step removed: they come back null with UNAUTHORIZED_FIELD_OR_TYPE errors. */
  removed?: ReadonlyArray<{ path: ReadonlyArray<string>; message: string; field: boolean }>;
  /** Set by the response cache's step on a miss: where to store this response, and who waits for it. */
  responseCache?: PendingResponse;
};

export type StepInput = { req: Request; res: Response; state: RequestState };

/** One step of the pipeline. Returning 'answered' means the step wrote the response; later steps do not run. */
export type PipelineStep = {
  /** For logs and errors: what the step does, e.g. `limits`. */
  name: string;
  run(input: StepInput): void | 'answered' | Promise<void | 'answered'>;
};

/** A deliberate refusal from a step: status, code and a message telling the caller what to change. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly options: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

/**
 * Sends a GraphQL-shaped error (`{ errors: [...] }`) with its status: every refusal before Apollo looks so.
 * Plain node:http, so the front can answer before express (and no ETag is computed for an error).
 */
export function refuse(res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({
    errors: [{ message: refusal.message, extensions: { code: refusal.code, ...refusal.options.extensions } }],
  });
  res.statusCode = refusal.status;
  for (const [name, value] of Object.entries(refusal.options.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export type PipelineOptions = {
  /** Identifies the caller (API key) and the user (bearer token); throws a Refusal for bad credentials. */
  identify: Identify;
  /** Callers refused too often are answered TOO_MANY_REFUSALS before their body is read; undefined: no box. */
  penalty?: PenaltyBox | undefined;
  /** The steps after identification, in order. */
  steps: ReadonlyArray<PipelineStep>;
};

export type Pipeline = {
  /**
   * Before express: the box's refusal when the request comes from a boxed caller and telling who it is needs no
   * waiting (no token, or a token whose verdict is remembered); undefined: on to express and `gate`.
   */
  front(req: IncomingMessage): Refusal | undefined;
  /** Before the body is read: identification and the penalty box. */
  gate: RequestHandler;
  /** After the body is parsed: every step in order; calls next() for Apollo when all passed. */
  handler: RequestHandler;
  /** The state the pipeline built for this request (Apollo's context reads it). Throws if it did not run. */
  stateOf(req: Request): RequestState;
};

/** Refusals that say nothing bad of the caller: the box's own answer, and a persisted id to send in full next. */
const NOT_COUNTED: ReadonlySet<ErrorCode> = new Set([ErrorCode.TOO_MANY_REFUSALS, ErrorCode.PERSISTED_QUERY_NOT_FOUND]);
/** Answers that count as a refusal of the caller: bad request, credentials, forbidden, too large, too many. */
const REFUSED_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 413, 429]);

/**
 * Whom the penalty box counts a request against: the user; else a partner's client (its key is a secret); else,
 * for a frontend's key (public: it ships in the page) or no key, the address, so one visitor cannot get a whole
 * frontend boxed.
 */
export function offenderOf(identity: Identity | undefined, req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  if (identity?.user) return `user:${identity.user.issuer}:${identity.user.sub}`;
  if (identity?.caller.kind === 'partner') return `client:${identity.caller.name}`;
  if (identity?.caller.kind === 'frontend') return `client:${identity.caller.name}@${address}`;
  return `ip:${address}`;
}

/** The body as the steps see it: the JSON body of a POST, or the GraphQL parameters of a GET. */
function readBody(req: Request): GraphQLBody {
  if (req.method === 'POST') return typeof req.body === 'object' && req.body !== null ? (req.body as GraphQLBody) : {};
  const params = new URL(req.originalUrl, 'http://gateway').searchParams;
  const json = (name: string): unknown => {
    const value = params.get(name);
    if (value === null) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new Refusal(400, ErrorCode.BAD_REQUEST, `The ${name} parameter is not valid JSON.`);
    }
  };
  return {
    query: params.get('query') ?? undefined,
    operationName: params.get('operationName') ?? undefined,
    variables: json('variables'),
    extensions: json('extensions') as GraphQLBody['extensions'],
  };
}

/** Writes a rewritten GET body back into the URL Apollo Server reads. */
function writeGetBody(req: Request, body: GraphQLBody): void {
  const url = new URL(req.url, 'http://gateway');
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) url.searchParams.delete(name);
    else url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  req.url = url.pathname + url.search;
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const { penalty } = options;
  // Keyed by the request object itself: no cast through res.locals, and nothing outlives the request.
  const identities = new WeakMap<Request, Identity>();
  const states = new WeakMap<Request, RequestState>();
  const uncounted = new WeakSet<Response>();
  const answer = (res: Response, next: (error?: unknown) => void) => (error: unknown) => {
    if (!(error instanceof Refusal)) return next(error);
    if (NOT_COUNTED.has(error.code)) uncounted.add(res);
    refuse(res, error);
  };
  /** Counts the answer against `offender` once it is sent, if it is a refusal (ours, the body parser's or Apollo's). */
  const countRefusal = (res: Response, offender: string) =>
    res.once('finish', () => {
      if (penalty && REFUSED_STATUSES.has(res.statusCode) && !uncounted.has(res)) void penalty.refused(offender);
    });
  return {
    front(req) {
      if (!penalty?.boxing()) return undefined;
      let offender: string;
      try {
        const identity = options.identify.now(req);
        if (!identity) return undefined;
        offender = offenderOf(identity, req);
      } catch (error) {
        // Anything but a refusal of the credentials is the gate's to answer, through express.
        if (!(error instanceof Refusal)) return undefined;
        // As in the gate: credentials that fail count against the address.
        offender = offenderOf(undefined, req);
      }
      return penalty.verdict(offender);
    },
    gate: (req, res, next) => {
      const run = async (): Promise<void> => {
        let identity: Identity;
        try {
          identity = await options.identify(req);
        } catch (error) {
          // Credentials that fail count against the address; a boxed address gets the box's answer.
          const offender = offenderOf(undefined, req);
          countRefusal(res, offender);
          if (error instanceof Refusal) penalty?.check(offender);
          throw error;
        }
        const offender = offenderOf(identity, req);
        countRefusal(res, offender);
        penalty?.check(offender);
        identities.set(req, identity);
        next();
      };
      run().catch(answer(res, next));
    },
    handler: (req, res, next) => {
      const run = async (): Promise<void> => {
        const identity = identities.get(req);
        if (!identity) throw new Error('the pipeline gate did not run for this request');
        const state: RequestState = { ...identity, body: readBody(req) };
        states.set(req, state);
        const query = state.body.query;
        for (const step of options.steps) {
          if ((await step.run({ req, res, state })) === 'answered') return;
        }
        if (req.method !== 'POST' && state.body.query !== query) writeGetBody(req, state.body);
        next();
      };
      run().catch(answer(res, next));
    },
    stateOf(req) {
      const state = states.get(req);
      if (!state) throw new Error('the request pipeline did not run for this request');
      return state;
    },
  };
}
