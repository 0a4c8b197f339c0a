/**
 * Cache purges travel as messages on one shared-state channel, so a purge started anywhere (a mutation in a
 * subgraph, the gateway's purge endpoint, a webhook) reaches every subgraph's entity cache and every gateway
 * replica. A tag names one entity: `<Typename>:<key value>`, e.g. `Customer:1001`.
 */
export const PURGE_CHANNEL = 'purge';

export type PurgeMessage = { tags: string[] };

export function encodePurge(tags: Iterable<string>): string {
  return JSON.stringify({ tags: [...tags] } satisfies PurgeMessage);
}

/** The tags of a purge message; an unreadable message purges nothing. */
export function decodePurge(message: string): string[] {
  try {
    const parsed = JSON.parse(message) as Partial<PurgeMessage>;
    return Array.isArray(parsed.tags) ? parsed.tags.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}
