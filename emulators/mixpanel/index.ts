import express, { type NextFunction, type Request, type Response } from 'express';
import { DEFAULT_SEED } from '../shared/people.js';
import { createEmulatorApp, toEmulator, type Emulator, type FaultRule } from '../shared/server.js';
import { DEFAULT_PROJECT, type ProjectConfig, type ServiceAccount } from './auth.js';
import type { MixpanelContext } from './context.js';
import { engageRoutes, ProfileStore, type EngageProfile } from './engage.js';
import { bodyErrorStatus, isIngestionPath, sendIngestionError, sendQueryError } from './errors.js';
import { exportRoutes } from './export.js';
import { importRoutes } from './import.js';
import { RateLimiter } from './rate-limit.js';
import { SEED_END_MS, SEED_EVENT_NAMES, SEED_START_MS, seedMixpanel } from './seed.js';
import { EventStore, type MixpanelEvent } from './store.js';
import { trackRoutes } from './track.js';

export type { EngageProfile, MixpanelEvent, ProjectConfig, ServiceAccount };
export { DEFAULT_PROJECT, SEED_END_MS, SEED_EVENT_NAMES, SEED_START_MS };
export { compileWhere, WhereSyntaxError } from './where.js';

export const DEFAULT_MIXPANEL_PORT = 4103;

export type MixpanelEmulatorOptions = {
  /** Seed for the generated events and profiles; default DEFAULT_SEED (42). */
  seed?: number;
  /** How many people to generate from emulators/shared/people (only those `inMixpanel` get events); default DEFAULT_PEOPLE (1000). */
  people?: number;
  /** The current time in ms since epoch, for ingestion checks and rate limits; default Date.now. */
  clock?: () => number;
  /** The hosted project; default id 1000, token 'mp-emulator-token', service account 'emulator.sa' / 'emulator-secret'. */
  project?: Partial<ProjectConfig>;
  /** Raw export queries per rolling hour, 0 for no limit; default 60. */
  exportPerHour?: number;
  /** Raw export queries per rolling second, 0 for no limit; default 3. */
  exportPerSecond?: number;
  /** Raw export queries in flight at once, 0 for no limit; default 100. */
  exportConcurrent?: number;
  /** Query API (engage) requests per rolling hour, 0 for no limit; default 60. */
  queryPerHour?: number;
  /** Query API (engage) requests in flight at once, 0 for no limit; default 5. */
  queryConcurrent?: number;
  /** Fault rules in force from the start (see emulators/shared/faults.ts); default none. */
  faults?: readonly FaultRule[];
};

export type MixpanelEmulator = Emulator & {
  /** The hosted project and its credentials. */
  readonly project: Readonly<ProjectConfig>;
  /** Every stored event in time order (seeded, imported, tracked), repeats of an `$insert_id` included. */
  events(): readonly MixpanelEvent[];
  /** The user profiles engage answers from. */
  profiles(): readonly EngageProfile[];
};

export function createMixpanelEmulator(options: MixpanelEmulatorOptions = {}): MixpanelEmulator {
  const seed = options.seed ?? DEFAULT_SEED;
  const clock = options.clock ?? Date.now;
  const project: ProjectConfig = {
    id: options.project?.id ?? DEFAULT_PROJECT.id,
    token: options.project?.token ?? DEFAULT_PROJECT.token,
    serviceAccounts: (options.project?.serviceAccounts ?? DEFAULT_PROJECT.serviceAccounts).map((account) => ({ ...account })),
  };

  const store = new EventStore();
  const profiles = new ProfileStore();
  const seeded = seedMixpanel(seed, options.people);
  for (const event of seeded.events) store.add(event.event, event.timeMs, event.properties);
  for (const profile of seeded.profiles) profiles.set(profile.distinctId, profile.properties);

  let sequence = 0;
  const context: MixpanelContext = {
    project,
    store,
    profiles,
    clock,
    exportLimiter: new RateLimiter(
      { perSecond: options.exportPerSecond ?? 3, perHour: options.exportPerHour ?? 60, concurrent: options.exportConcurrent ?? 100 },
      clock,
      'export',
    ),
    queryLimiter: new RateLimiter(
      { perSecond: 0, perHour: options.queryPerHour ?? 60, concurrent: options.queryConcurrent ?? 5 },
      clock,
      'query',
    ),
    nextSequence: () => ++sequence,
  };

  const { app, requests } = createEmulatorApp({
    name: 'mixpanel',
    faults: options.faults,
    faultBody: mixpanelFaultBody,
    admin: (router) => {
      router.get('/project', (_req, res) => {
        res.json({ id: project.id, token: project.token, serviceAccounts: project.serviceAccounts });
      });
      router.get('/stats', (_req, res) => {
        res.json({ events: store.size, profiles: profiles.all().length, seed });
      });
    },
  });

  const routes = express.Router();
  importRoutes(routes, context);
  trackRoutes(routes, context);
  exportRoutes(routes, context);
  engageRoutes(routes, context);
  app.use(routes);

  app.use((req: Request, res: Response) => {
    const message = `no such endpoint: ${req.method} ${req.path}`;
    if (isIngestionPath(req.path)) sendIngestionError(res, 404, message);
    else sendQueryError(res, 404, message);
  });
  // Express would answer with an HTML page; Mixpanel's clients expect JSON in the endpoint's own shape.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    const { status } = bodyErrorStatus(error);
    const code = status >= 400 && status < 500 ? status : 500;
    const message = code === 500 ? 'internal error' : error instanceof Error ? error.message : 'bad request';
    if (isIngestionPath(req.path)) sendIngestionError(res, code, message);
    else sendQueryError(res, code, message);
  });

  const emulator = toEmulator('mixpanel', app, requests);
  return Object.assign(emulator, {
    project,
    events: () => store.all(),
    profiles: () => profiles.all(),
  });
}

/**
 * Injected faults in Mixpanel's JSON error shape (`{error, status}`, which both its API families carry); a
 * cut-short 200 is an export body (JSONL), the answer whose truncation matters most.
 */
function mixpanelFaultBody(status: number): { contentType: string; body: string } {
  if (status === 200) {
    const event = {
      event: 'Fault',
      properties: { time: 1_700_000_000_000, distinct_id: 'fault@example.com', $insert_id: 'fault-injected' },
    };
    return { contentType: 'text/plain; charset=utf-8', body: `${JSON.stringify(event)}\n` };
  }
  return {
    contentType: 'application/json',
    body: JSON.stringify({ error: `fault injected by the mixpanel emulator (HTTP ${status})`, status: 'error' }),
  };
}
