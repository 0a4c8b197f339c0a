import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { createEmulatorApp, toEmulator, type Emulator, type FaultRule } from '../shared/server.js';
import { DEFAULT_SEED } from '../shared/people.js';
import { Authenticator, OAuthError, oauthRoutes, type OAuthSettings } from './auth.js';
import { HubSpotError, correlationId } from './errors.js';
import { RateLimitError, RateLimiter } from './rate-limit.js';
import { associationRoutes } from './routes/associations.js';
import type { CrmContext } from './routes/common.js';
import { batchWriteRoutes } from './routes/batch-write.js';
import { objectRoutes } from './routes/objects.js';
import { propertyRoutes } from './routes/properties.js';
import { searchRoutes } from './routes/search.js';
import { createHubSpotWebhooks, type HubSpotWebhookOptions, type HubSpotWebhooks } from './webhooks.js';
import { seedStore } from './seed.js';
import { DEFAULT_SEARCH_LAG_MS, type CrmStore } from './store.js';

export { DEFAULT_SEED };
export type { CrmStore, CrmObject } from './store.js';
export { DEFAULT_SEARCH_LAG_MS, FIRST_IDS } from './store.js';
export { contactIdOf, companyIdOf } from './seed.js';
export type { ObjectType } from './schema.js';
export { SEARCH_CAPS } from './search-filter.js';

export const DEFAULT_PORT = 4101;

export type HubSpotEmulatorOptions = {
  /** Seed of the generated data (same seed, same ids and values); default DEFAULT_SEED. */
  seed?: number;
  /** Current time in ms since epoch, for timestamps, token expiry and rate limits; default Date.now. */
  clock?: () => number;
  /** Private-app bearer tokens that are accepted and never expire; default ['pat-emulator']. */
  privateAppTokens?: readonly string[];
  /** The OAuth app's credentials; default {clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret'}. */
  oauth?: Partial<OAuthSettings>;
  /** Lifetime of OAuth access tokens in seconds; default 1800. */
  accessTokenTtlSeconds?: number;
  /** Requests per token in a rolling ten-second window (0 disables); default 190. */
  tenSecondlyLimit?: number;
  /** Requests per token per UTC day (0 disables); default 1,000,000. */
  dailyLimit?: number;
  /** Search requests per token per second (0 disables); default 5. */
  searchPerSecond?: number;
  /** Fault rules in force from the start (see emulators/shared/faults.ts); default none. */
  faults?: readonly FaultRule[];
  /**
   * How long a create, update or archive takes to reach search (HubSpot indexes within seconds); default
   * DEFAULT_SEARCH_LAG_MS (3 s). 0 makes search see writes at once: a test that needs that says so.
   */
  searchLagMs?: number;
  /** App webhooks: delivery schedule, batching window, injected duplicates and delays; default HubSpot-like. */
  webhooks?: HubSpotWebhookOptions;
};

export type HubSpotEmulator = Emulator & {
  /** The app's webhook subscriptions and their deliveries. */
  readonly webhooks: HubSpotWebhooks;
  /** The CRM data, for tests that want to look behind the API. */
  readonly store: CrmStore;
  /** A fresh single-use OAuth authorization code, as if a user had consented (bound to `redirectUri` when given). */
  issueAuthorizationCode(redirectUri?: string): string;
  /** The consent URL on this emulator (the SDK's getAuthorizationUrl points at the real vendor). */
  authorizeUrl(params: { redirectUri: string; scope?: string; state?: string }): string;
};

/**
 * HubSpot CRM v3 (objects, search, batch read), associations v4 and OAuth, as `@hubspot/api-client` sees it.
 * Admin routes besides the request log: `POST /_emulator/oauth/code` (body `{redirectUri?}`) -> `{code}`.
 */
export function createHubSpotEmulator(options: HubSpotEmulatorOptions = {}): HubSpotEmulator {
  const clock = options.clock ?? Date.now;
  const searchLagMs = options.searchLagMs ?? DEFAULT_SEARCH_LAG_MS;
  const store = seedStore(options.seed ?? DEFAULT_SEED, searchLagMs);
  const auth = new Authenticator(
    options.privateAppTokens ?? ['pat-emulator'],
    {
      clientId: options.oauth?.clientId ?? 'emulator-client-id',
      clientSecret: options.oauth?.clientSecret ?? 'emulator-client-secret',
    },
    options.accessTokenTtlSeconds ?? 1800,
    clock,
  );
  const limiter = new RateLimiter(
    {
      tenSecondlyLimit: options.tenSecondlyLimit ?? 190,
      dailyLimit: options.dailyLimit ?? 1_000_000,
      searchPerSecond: options.searchPerSecond ?? 5,
    },
    clock,
  );
  const context: CrmContext = { store, clock, searchLagMs };

  const { app, requests } = createEmulatorApp({
    name: 'hubspot',
    faults: options.faults,
    faultBody: hubSpotFaultBody,
    admin: (router) => {
      router.post('/oauth/code', (req, res) => {
        const redirectUri = (req.body as { redirectUri?: unknown } | undefined)?.redirectUri;
        res.json({ code: auth.issueCode(typeof redirectUri === 'string' ? redirectUri : undefined) });
      });
    },
  });

  // The SDK refuses to parse a body without a JSON content type, so it is the default for every answer.
  app.use((_req, res, next) => {
    res.type('application/json');
    next();
  });
  app.use(oauthRoutes(auth));

  const authenticate: RequestHandler = (req, res, next) => {
    const token = auth.authenticate(req.get('authorization'));
    res.set(limiter.take(token, /\/search$/.test(req.path) && req.method === 'POST' ? 'search' : 'standard'));
    next();
  };
  app.use('/crm', authenticate, express.json({ limit: '1mb' }));
  app.use(batchWriteRoutes(context));
  app.use(propertyRoutes(context));
  app.use(objectRoutes(context));
  app.use(searchRoutes(context));
  app.use(associationRoutes(context));
  const webhooks = createHubSpotWebhooks(store, clock, options.oauth?.clientSecret ?? 'emulator-client-secret', options.webhooks);
  app.use(webhooks.routes);

  app.use((req) => {
    throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `No route for ${req.method} ${req.path}`);
  });
  const errors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    if (error instanceof HubSpotError) {
      res.status(error.status).json(error.body());
    } else if (error instanceof RateLimitError) {
      res.status(429).set(error.headers).json(error.body());
    } else if (error instanceof OAuthError) {
      res.status(400).json(error.body());
    } else if (isHttpError(error)) {
      // body-parser's errors: malformed JSON, body too large, unsupported charset.
      const message = error.type === 'entity.parse.failed' ? `Invalid input JSON: ${error.message}` : error.message;
      res.status(error.status).json({ status: 'error', message, correlationId: correlationId(), category: 'VALIDATION_ERROR' });
    } else {
      res.status(500).json({
        status: 'error',
        message: 'internal error',
        correlationId: correlationId(),
        category: 'INTERNAL_ERROR',
      });
    }
  };
  app.use(errors);

  const emulator = toEmulator('hubspot', app, requests, () => ({
    searchVersions: store.versionCount(),
    deliveryAttempts: webhooks.deliverer.attempts.length,
  }));
  const close = emulator.close;
  return Object.assign(emulator, {
    store,
    webhooks,
    close: async () => {
      webhooks.close();
      await close();
    },
    issueAuthorizationCode: (redirectUri?: string) => auth.issueCode(redirectUri),
    authorizeUrl(params: { redirectUri: string; scope?: string; state?: string }): string {
      const url = new URL('/oauth/authorize', emulator.url);
      url.searchParams.set('client_id', auth.oauth.clientId);
      url.searchParams.set('redirect_uri', params.redirectUri);
      if (params.scope !== undefined) url.searchParams.set('scope', params.scope);
      if (params.state !== undefined) url.searchParams.set('state', params.state);
      return url.toString();
    },
  });
}

/**
 * Injected faults in HubSpot's shape, so the SDK parses them as it parses HubSpot's own: the JSON error with a
 * category (a 429 as the ten-secondly limit, which the client reads the window of), and for a cut-short 200 a
 * batch-read answer.
 */
function hubSpotFaultBody(status: number): { contentType: string; body: string } {
  const contentType = 'application/json;charset=utf-8';
  if (status === 200) {
    const now = new Date().toISOString();
    return {
      contentType,
      body: JSON.stringify({
        status: 'COMPLETE',
        results: [{ id: '1', properties: { email: 'fault@example.com' }, createdAt: now, updatedAt: now, archived: false }],
        startedAt: now,
        completedAt: now,
      }),
    };
  }
  if (status === 429) {
    return {
      contentType,
      body: JSON.stringify({
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        correlationId: correlationId(),
        policyName: 'TEN_SECONDLY_ROLLING',
      }),
    };
  }
  const category =
    status >= 500 ? 'INTERNAL_ERROR' : status === 404 ? 'OBJECT_NOT_FOUND' : status === 401 ? 'INVALID_AUTHENTICATION' : 'VALIDATION_ERROR';
  return {
    contentType,
    body: JSON.stringify({
      status: 'error',
      message: `fault injected by the hubspot emulator (HTTP ${status})`,
      correlationId: correlationId(),
      category,
    }),
  };
}

function isHttpError(error: unknown): error is { status: number; type?: string; message: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    'status' in error &&
    typeof (error as { status: unknown }).status === 'number' &&
    (error as { status: number }).status >= 400 &&
    (error as { status: number }).status < 500
  );
}
