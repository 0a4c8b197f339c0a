import express, { type Express } from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createFaultInjector, type FaultBodyRenderer, type FaultController, type FaultInjector, type FaultRule } from './faults.js';

export type { FaultRule, FaultController, FaultBodyRenderer, FaultRuleState } from './faults.js';

/** One request an emulator answered, as tests and `GET /_emulator/requests` see it. */
export type LoggedRequest = {
  method: string;
  /** The path without the query string, e.g. `/crm/v3/objects/contacts/batch/read`. */
  path: string;
  query: Record<string, unknown>;
  /** 0 when the connection closed before an answer was sent (a hang or reset, or the client gave up). */
  status: number;
  /** ms since epoch when the request arrived. */
  at: number;
  /** The fault injected into this request, e.g. `status 503` or `latency 200ms + reset`; absent when none. */
  fault?: string;
  /** ms from arrival until the answer was sent (or the connection closed), injected latency included. */
  durationMs: number;
  /** A SOAP request's operation, from its SOAPAction header (`Update` of `"urn:…/page/customer:Update"`). */
  soapAction?: string;
};

/** How many requests an emulator's log keeps by default: far more than any test or benchmark counts between clears. */
export const REQUEST_LOG_LIMIT = 10_000;

/**
 * What every emulator keeps of the requests it served: tests count vendor calls with it. Only the latest
 * `limit` requests are kept, so an emulator serving for hours (`npm start`) does not grow without end.
 */
export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  /** @param limit how many of the latest requests to keep; default REQUEST_LOG_LIMIT. */
  constructor(public limit = REQUEST_LOG_LIMIT) {}

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
    // Dropped a tenth at a time, so the copy is paid once per limit/10 requests, not on every one.
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit + Math.ceil(this.limit / 10));
  }

  /** How many requests match; with no filter, all of them. Admin (`/_emulator/*`) requests are never logged. */
  count(filter?: { method?: string; path?: string | RegExp }): number {
    return this.list(filter).length;
  }

  list(filter?: { method?: string; path?: string | RegExp }): LoggedRequest[] {
    return this.entries.filter((entry) => {
      if (filter?.method && entry.method !== filter.method.toUpperCase()) return false;
      if (filter?.path === undefined) return true;
      return typeof filter.path === 'string' ? entry.path === filter.path : filter.path.test(entry.path);
    });
  }

  clear(): void {
    this.entries.length = 0;
  }
}

/** A running (or not yet started) vendor emulator. Every emulator in `emulators/` returns this shape. */
export type Emulator = {
  /** The vendor's name as used in configuration, e.g. `hubspot`. */
  readonly name: string;
  /** The express app; exposed so a launcher can mount it or a test can call it in-process. */
  readonly app: Express;
  readonly requests: RequestLog;
  /** Entries in the emulator's stores that grow with use and are bounded (request log, keys, versions): memory checks. */
  sizes(): Record<string, number>;
  /** The injected faults (also `GET/PUT/DELETE /_emulator/faults`). */
  readonly faults: FaultController;
  /** Starts listening; port 0 (the default) picks a free port. Resolves to the base URL, without a trailing slash. */
  listen(port?: number, host?: string): Promise<string>;
  /** The base URL once listening; throws before. */
  readonly url: string;
  close(): Promise<void>;
};

export type EmulatorAppOptions = {
  name: string;
  /** Extra admin routes, mounted under `/_emulator/` next to the request log. */
  admin?: (router: express.Router) => void;
  /** Fault rules in force from the start; default none. */
  faults?: readonly FaultRule[];
  /** Renders injected error bodies in the vendor's shape; default a vendor-neutral JSON error. */
  faultBody?: FaultBodyRenderer;
  /** Seed of the PRNG behind fault rates and random latency; default DEFAULT_SEED. */
  faultSeed?: number;
};

/** Where createEmulatorApp leaves the fault injector for toEmulator (the app is the one thing both see). */
const FAULTS_LOCAL = 'emulatorFaults';

/**
 * The express app every emulator starts from: the request log around every vendor route, admin routes under
 * `/_emulator/` (`GET requests`, `DELETE requests`), and the `extended` query parser so bracketed query
 * strings (`expand[0]=x`, `metadata[k]=v`) arrive as arrays and objects, as on the real services.
 * The vendor routes are added by the caller; their error answers are the vendor's own, not express's.
 */
export function createEmulatorApp(options: EmulatorAppOptions): { app: Express; requests: RequestLog; faults: FaultController } {
  const app = express();
  const requests = new RequestLog();
  const faults = createFaultInjector({
    name: options.name,
    ...(options.faults ? { rules: options.faults } : {}),
    ...(options.faultBody ? { faultBody: options.faultBody } : {}),
    ...(options.faultSeed === undefined ? {} : { seed: options.faultSeed }),
  });
  app.locals[FAULTS_LOCAL] = faults;
  app.set('query parser', 'extended');
  app.disable('x-powered-by');
  app.disable('etag');

  const admin = express.Router();
  admin.get('/requests', (_req, res) => {
    res.json({ emulator: options.name, requests: requests.entries });
  });
  admin.delete('/requests', (_req, res) => {
    requests.clear();
    res.status(204).end();
  });
  options.admin?.(admin);
  // Before the JSON-parsing admin mount: the faults route parses its own body to answer broken JSON clearly.
  app.use('/_emulator/faults', faults.admin);
  app.use('/_emulator', express.json(), admin);

  app.use((req, res, next) => {
    const at = Date.now();
    let logged = false;
    const record = (status: number): void => {
      if (logged) return;
      logged = true;
      const fault = typeof res.locals.fault === 'string' ? { fault: res.locals.fault } : {};
      const action = req.get('soapaction')?.replace(/^"(.*)"$/, '$1');
      const soap = action ? { soapAction: action.slice(action.lastIndexOf(':') + 1) } : {};
      requests.record({
        method: req.method,
        path: req.path,
        query: { ...req.query },
        status,
        at,
        durationMs: Date.now() - at,
        ...fault,
        ...soap,
      });
    };
    res.on('finish', () => record(res.statusCode));
    // A request that never got its answer (hang, reset, client gone) still reached the vendor: it counts.
    res.on('close', () => record(0));
    next();
  });
  app.use(faults.middleware);
  return { app, requests, faults };
}

/** Wraps an app built with createEmulatorApp into the Emulator lifecycle. */
export function toEmulator(name: string, app: Express, requests: RequestLog, sizes: () => Record<string, number> = () => ({})): Emulator {
  const faults = (app.locals[FAULTS_LOCAL] as FaultInjector | undefined) ?? createFaultInjector({ name });
  let server: Server | undefined;
  let baseUrl: string | undefined;
  return {
    name,
    app,
    requests,
    sizes: () => ({ requestLog: requests.entries.length, ...sizes() }),
    faults: { set: faults.set, clear: faults.clear, list: faults.list },
    get url() {
      if (!baseUrl) throw new Error(`the ${name} emulator is not listening yet`);
      return baseUrl;
    },
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server = createServer(app);
        server.keepAliveTimeout = 65_000;
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server!.address() as AddressInfo;
          baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
          resolve(baseUrl);
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        // Hung requests and latency timers first: nothing of a fault may keep the process alive.
        faults.close();
        if (!server) return resolve();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
        server = undefined;
      });
    },
  };
}
