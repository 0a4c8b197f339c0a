import type { RequestHandler } from 'express';
import { fetch, type Dispatcher } from 'undici';

/** One subgraph's answer to `GET /health/upstreams`, as collected by the gateway. */
export type SubgraphUpstreams =
  { subgraph: string; reachable: true; upstreams: Array<Record<string, unknown>> } | { subgraph: string; reachable: false; error: string };

export type UpstreamsReport = {
  /** `ok` when every subgraph answered and no vendor's circuit is open or probing; else `degraded`. */
  status: 'ok' | 'degraded';
  subgraphs: SubgraphUpstreams[];
};

export type UpstreamsHealthOptions = {
  /** How long to wait for each subgraph, in ms; default 1000 (a health page must answer while things are slow). */
  timeoutMs?: number;
  /** The connection pool to reach the subgraphs with; default undici's global one. */
  dispatcher?: Dispatcher;
};

/** A subgraph's upstream health route: same origin as its GraphQL URL, path `/health/upstreams`. */
export const upstreamsUrl = (graphqlUrl: string): string => new URL('/health/upstreams', graphqlUrl).toString();

/**
 * Asks every subgraph for its vendor's call-policy state (breaker, recent latency and error rate, quota left)
 * and merges the answers. The gateway knows no vendor: it passes on what each subgraph reports, and a subgraph
 * that does not answer in time shows as unreachable.
 */
export async function collectUpstreams(
  subgraphs: ReadonlyArray<{ name: string; url: string }>,
  options: UpstreamsHealthOptions = {},
): Promise<UpstreamsReport> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const answers = await Promise.all(
    subgraphs.map(async ({ name, url }): Promise<SubgraphUpstreams> => {
      try {
        const response = await fetch(upstreamsUrl(url), {
          signal: AbortSignal.timeout(timeoutMs),
          ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        });
        if (!response.ok) {
          await response.arrayBuffer();
          return { subgraph: name, reachable: false, error: `HTTP ${response.status}` };
        }
        const body = (await response.json()) as { upstreams?: unknown };
        const upstreams = Array.isArray(body.upstreams) ? (body.upstreams as Array<Record<string, unknown>>) : [];
        return { subgraph: name, reachable: true, upstreams };
      } catch (error) {
        const reason =
          error instanceof Error && error.name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : error instanceof Error
              ? error.message
              : String(error);
        return { subgraph: name, reachable: false, error: reason };
      }
    }),
  );
  const healthy = answers.every((answer) => answer.reachable && answer.upstreams.every((upstream) => upstream.breaker === 'closed'));
  return { status: healthy ? 'ok' : 'degraded', subgraphs: answers };
}

/** `GET /health/upstreams`: always 200 with the report (a status page, not a readiness probe: see /ready). */
export function upstreamsHealth(
  subgraphs: ReadonlyArray<{ name: string; url: string }>,
  options: UpstreamsHealthOptions = {},
): RequestHandler {
  return (_req, res, next) => {
    collectUpstreams(subgraphs, options).then((report) => res.json(report), next);
  };
}
