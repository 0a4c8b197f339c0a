// Mixpanel's event shapes as this subgraph reads and sends them.

/** One line of `/api/2.0/export` (and one element of an `/import` body): `{event, properties}`. */
export type MixpanelEvent = { event: string; properties: Record<string, unknown> };

/** An exported event with its standard properties read once; `properties` holds the rest. */
export type RawEvent = {
  name: string;
  timeMs: number;
  distinctId: string;
  insertId: string | undefined;
  properties: Record<string, unknown>;
};
