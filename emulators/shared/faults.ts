import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { DEFAULT_SEED } from './people.js';
import { createRandom, type Random } from './random.js';

/**
 * One way to break the vendor on purpose. A request matching `route` is hit with probability `rate`; the first
 * rule that matches and hits applies, at most one per request. What it does: wait `latencyMs` (if set), then
 * one of hang | reset | malformed | an error `status`; a rule with only `latencyMs` lets the request through
 * to the vendor route after the wait; a rule with none of these answers 500.
 */
export type FaultRule = {
  /**
   * Which vendor requests: `'METHOD /path/glob'`, e.g. `'GET /v1/customers/*'`, where `*` matches within one path
   * segment and `**` across segments; the method is optional (`'/v1/customers'` is any method); or
   * `'re:<regex>'` / a RegExp tested against `'METHOD /path'`. Default: every vendor route.
   */
  route?: string | RegExp;
  /** Probability in [0, 1] that a matching request is hit, drawn from the emulator's seeded PRNG; default 1. */
  rate?: number;
  /** The HTTP status to answer, 400..599; default 500 when the rule does nothing else. */
  status?: number;
  /** Seconds for a `Retry-After` header; only with status 429 or 503. */
  retryAfter?: number;
  /** The error body to send instead of the emulator's usual one (see `faultBody`). */
  body?: string;
  /** Added latency in ms before the fault (or before the vendor route, when the rule has no other effect). */
  latencyMs?: number | { min: number; max: number };
  /** Never answer, until the client gives up or the emulator closes. */
  hang?: boolean;
  /** Reset the TCP connection (RST): the client sees ECONNRESET / "socket hang up". */
  reset?: boolean;
  /** Answer 200 with a body of the vendor's content type cut short, so it cannot be parsed. */
  malformed?: boolean;
  /** Apply to this many requests only, then stop; default unlimited. */
  times?: number;
};

/** A rule as `list()` and `GET /_emulator/faults` show it: `applied` counts the requests it has hit. */
export type FaultRuleState = FaultRule & { applied: number };

/** How a test or a person changes the faults of a running emulator (also `GET/PUT/DELETE /_emulator/faults`). */
export type FaultController = {
  /** Replaces every rule (validated; throws FaultRuleError) and restarts the PRNG, so runs repeat exactly. */
  set(rules: readonly FaultRule[]): void;
  clear(): void;
  list(): FaultRuleState[];
};

/** Renders an injected error (or, with 200, the body `malformed` cuts short) in the vendor's own shape. */
export type FaultBodyRenderer = (status: number) => { contentType: string; body: string };

export type FaultInjectorOptions = {
  /** The emulator's name, for the default error body. */
  name: string;
  /** Rules in force from the start; default none. */
  rules?: readonly FaultRule[];
  /** Seed of the PRNG that draws `rate` and random latency; default DEFAULT_SEED. */
  seed?: number;
  faultBody?: FaultBodyRenderer;
};

/** The controller plus what the shared server wires in. */
export type FaultInjector = FaultController & {
  /** Goes right after the request log: sees every vendor request, never an admin one. */
  readonly middleware: RequestHandler;
  /** The `GET/PUT/DELETE /` routes, for mounting at `/_emulator/faults`. */
  readonly admin: Router;
  /** Ends every hung request and pending latency timer, so nothing keeps the process alive after close. */
  close(): void;
};

/** Raised when fault rules are invalid; `issues` say which field of which rule and why. */
export class FaultRuleError extends Error {
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super(`invalid fault rules: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`);
    this.name = 'FaultRuleError';
  }
}

const ROUTE_PATTERN = /^(?:([A-Za-z]+|\*)\s+)?(\/\S*)$/;

const latencySchema = z.union([
  z.number().int().min(0).max(600_000),
  z
    .object({ min: z.number().int().min(0), max: z.number().int().max(600_000) })
    .strict()
    .refine((range) => range.min <= range.max, { message: 'min must not exceed max' }),
]);

const ruleSchema = z
  .object({
    route: z
      .union([
        z.instanceof(RegExp),
        z
          .string()
          .refine((route) => route === '*' || route.startsWith('re:') || ROUTE_PATTERN.test(route.trim()), {
            message: "expected '[METHOD] /path/glob', '*' or 're:<regex>'",
          })
          .refine((route) => !route.startsWith('re:') || isRegex(route.slice(3)), { message: 'not a valid regular expression' }),
      ])
      .optional(),
    rate: z.number().min(0).max(1).optional(),
    status: z.number().int().min(400).max(599).optional(),
    retryAfter: z.number().int().min(0).optional(),
    body: z.string().optional(),
    latencyMs: latencySchema.optional(),
    hang: z.boolean().optional(),
    reset: z.boolean().optional(),
    malformed: z.boolean().optional(),
    times: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((rule) => [rule.hang, rule.reset, rule.malformed, rule.status !== undefined].filter(Boolean).length <= 1, {
    message: 'choose one of status, hang, reset, malformed',
  })
  .refine((rule) => rule.retryAfter === undefined || rule.status === 429 || rule.status === 503, {
    message: 'retryAfter goes with status 429 or 503',
    path: ['retryAfter'],
  })
  .refine((rule) => rule.body === undefined || !(rule.hang || rule.reset || rule.malformed), {
    message: 'body goes with an error status',
    path: ['body'],
  });

/** Checks rules from code or from `PUT /_emulator/faults`; throws FaultRuleError. */
export function parseFaultRules(input: unknown): FaultRule[] {
  const parsed = z.array(ruleSchema).safeParse(input);
  if (!parsed.success) {
    throw new FaultRuleError(parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
  }
  return parsed.data as FaultRule[];
}

type ActiveRule = { rule: FaultRule; matches: (method: string, path: string) => boolean; applied: number };

export function createFaultInjector(options: FaultInjectorOptions): FaultInjector {
  const seed = options.seed ?? DEFAULT_SEED;
  let random: Random = createRandom(seed);
  let active: ActiveRule[] = [];
  const hung = new Set<Response>();
  const timers = new Set<NodeJS.Timeout>();

  const set = (rules: readonly FaultRule[]): void => {
    active = parseFaultRules(rules).map((rule) => ({ rule, matches: compileRoute(rule.route), applied: 0 }));
    random = createRandom(seed);
  };
  const list = (): FaultRuleState[] => active.map(({ rule, applied }) => ({ ...rule, applied }));
  set(options.rules ?? []);

  const render = (status: number): { contentType: string; body: string } =>
    options.faultBody?.(status) ?? {
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify(
        status === 200
          ? { data: [{ id: 'fault_injected', note: `the ${options.name} emulator cut this body short on purpose` }], has_more: false }
          : { error: { status, message: `fault injected by the ${options.name} emulator` } },
      ),
    };

  /** Does what the rule says once its latency has passed. */
  const act = (rule: FaultRule, req: Request, res: Response, next: () => void): void => {
    // The client gave up during the latency: there is nobody to answer.
    if (res.destroyed || req.socket.destroyed) return;
    if (rule.hang) {
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    if (rule.reset) {
      req.socket.resetAndDestroy();
      return;
    }
    if (rule.malformed) {
      const { contentType, body } = render(200);
      const cut = Buffer.from(body).subarray(0, Math.max(1, Math.floor(Buffer.byteLength(body) / 2)));
      res.status(200).set('Content-Type', contentType).set('Content-Length', String(cut.length)).end(cut);
      return;
    }
    if (rule.status === undefined && rule.latencyMs !== undefined) return next();
    const status = rule.status ?? 500;
    const rendered = render(status);
    if (rule.retryAfter !== undefined) res.set('Retry-After', String(rule.retryAfter));
    res
      .status(status)
      .set('Content-Type', rendered.contentType)
      .send(rule.body ?? rendered.body);
  };

  const middleware: RequestHandler = (req, res, next) => {
    if (req.path.startsWith('/_emulator/') || req.path === '/_emulator') return next();
    for (const entry of active) {
      if (entry.rule.times !== undefined && entry.applied >= entry.rule.times) continue;
      if (!entry.matches(req.method, req.path)) continue;
      const rate = entry.rule.rate ?? 1;
      // Rate 1 draws nothing, so adding an always-on rule does not shift the random sequence of the others.
      if (rate < 1 && !random.chance(rate)) continue;
      entry.applied += 1;
      const rule = entry.rule;
      const delay = latencyOf(rule, random);
      res.locals.fault = label(rule, delay);
      if (delay === 0) return act(rule, req, res, next);
      const timer = setTimeout(() => {
        timers.delete(timer);
        act(rule, req, res, next);
      }, delay);
      timers.add(timer);
      return;
    }
    next();
  };

  const admin = express.Router();
  admin.get('/', (_req, res) => {
    res.json({ emulator: options.name, faults: list().map(toJson) });
  });
  // The body is read as text and parsed here, so broken JSON gets this route's clear 400, not a generic page.
  admin.put('/', express.text({ type: () => true, limit: '100kb' }), (req, res) => {
    let input: unknown;
    try {
      input = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch (error) {
      return void res.status(400).json({ error: `the body must be a JSON array of fault rules: ${(error as Error).message}` });
    }
    try {
      set(input as readonly FaultRule[]);
    } catch (error) {
      if (!(error instanceof FaultRuleError)) throw error;
      return void res.status(400).json({ error: error.message, issues: error.issues });
    }
    res.json({ emulator: options.name, faults: list().map(toJson) });
  });
  admin.delete('/', (_req, res) => {
    active = [];
    res.status(204).end();
  });

  return {
    set,
    clear: () => {
      active = [];
    },
    list,
    middleware,
    admin,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const res of hung) res.socket?.destroy();
      hung.clear();
    },
  };
}

/** The request log's `fault` field: what was done, e.g. `latency 120ms + status 503 retry-after 2s`. */
function label(rule: FaultRule, delay: number): string {
  const effect = rule.hang
    ? 'hang'
    : rule.reset
      ? 'reset'
      : rule.malformed
        ? 'malformed'
        : rule.status !== undefined || rule.latencyMs === undefined
          ? `status ${rule.status ?? 500}${rule.retryAfter === undefined ? '' : ` retry-after ${rule.retryAfter}s`}`
          : undefined;
  const latency = rule.latencyMs === undefined ? undefined : `latency ${delay}ms`;
  return [latency, effect].filter(Boolean).join(' + ');
}

function latencyOf(rule: FaultRule, random: Random): number {
  const latency = rule.latencyMs;
  if (latency === undefined) return 0;
  return typeof latency === 'number' ? latency : random.int(latency.min, latency.max);
}

function compileRoute(route: string | RegExp | undefined): (method: string, path: string) => boolean {
  if (route === undefined || route === '*') return () => true;
  if (route instanceof RegExp || route.startsWith('re:')) {
    // A copy without g/y: those make test() stateful (lastIndex), so the same request would match every other time.
    const regex = route instanceof RegExp ? new RegExp(route.source, route.flags.replace(/[gy]/g, '')) : new RegExp(route.slice(3));
    return (method, path) => regex.test(`${method} ${path}`);
  }
  const [, method, glob = ''] = ROUTE_PATTERN.exec(route.trim()) ?? [];
  const wantedMethod = method === undefined || method === '*' ? undefined : method.toUpperCase();
  const pattern = new RegExp(
    `^${glob
      .split(/(\*\*|\*)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );
  return (requestMethod, path) => (wantedMethod === undefined || requestMethod === wantedMethod) && pattern.test(path);
}

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** RegExp routes do not survive JSON: show them in their `re:` form. */
function toJson(rule: FaultRuleState): Record<string, unknown> {
  return rule.route instanceof RegExp ? { ...rule, route: `re:${rule.route.source}` } : { ...rule };
}
