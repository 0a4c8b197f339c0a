/**
 * What every contender entry reads: the port to serve GraphQL on (at /graphql, 127.0.0.1) and the base URL of
 * the benchmark subgraphs. The runner sets both, plus NODE_ENV=production.
 */
import { supergraphFor } from '../fixture.js';

export type ContenderEnv = { port: number; host: string; subgraphsUrl: string; supergraphSdl: string };

export function readContenderEnv(source: NodeJS.ProcessEnv = process.env): ContenderEnv {
  const port = Number(source.PORT);
  const subgraphsUrl = source.SUBGRAPHS_URL;
  if (!Number.isInteger(port) || port <= 0 || !subgraphsUrl) {
    throw new Error('A contender needs PORT (a port number) and SUBGRAPHS_URL (e.g. http://127.0.0.1:4200) in its environment.');
  }
  return { port, host: '127.0.0.1', subgraphsUrl, supergraphSdl: supergraphFor(subgraphsUrl) };
}

/** Stops on SIGTERM/SIGINT through `close`, and exits so `node --cpu-prof` writes its profile. */
export function stopOnSignal(close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
