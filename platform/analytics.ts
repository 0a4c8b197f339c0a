/**
 * The contract between the analytics read model (events/analytics.ts, events/analytics-sync.ts) and the analytics
 * subgraph (subgraphs/analytics/). It lives here because neither side may import the other: the launcher hands
 * the subgraph's export source to events/, and the read model events/ builds to the subgraph.
 */

/** One analytics event, its standard properties read out of the export line; `properties` holds the rest. */
export type AnalyticsEvent = {
  name: string;
  /** When it happened, ms since the epoch. */
  timeMs: number;
  distinctId: string;
  /** Mixpanel's `$insert_id`; undefined when the event was stored without one. */
  insertId: string | undefined;
  properties: Record<string, unknown>;
};

/** An interval of time: sinceMs inclusive, untilMs exclusive. */
export type TimeWindow = { sinceMs: number; untilMs: number };

/**
 * The vendor's side of the sync: one raw export of every person's events for whole UTC days, `fromDay`..`toDay`
 * inclusive (`YYYY-MM-DD`), copies of one `$insert_id` included or not (the read model deduplicates either way).
 */
export interface AnalyticsExportSource {
  readonly vendor: string;
  exportDays(fromDay: string, toDay: string): Promise<AnalyticsEvent[]>;
  close?(): Promise<void>;
}

/**
 * How far the read model reaches. `syncedThroughMs`: when the last successful export was asked for, so every
 * event the vendor had stored by then is in the read model (for days from `coveredFromMs` on). Both null until
 * the first sync has finished, when the read model can answer nothing yet.
 */
export type ReadModelStatus = { syncedThroughMs: number | null; coveredFromMs: number | null };

/** The reading side, for the analytics subgraph: what it asks instead of an export when the sync is on. */
export interface AnalyticsReadModel {
  status(): Promise<ReadModelStatus>;
  /** Each person's events inside the window, in time order (a person without events is absent from the map). */
  eventsOf(distinctIds: readonly string[], window: TimeWindow): Promise<Map<string, AnalyticsEvent[]>>;
  /** Every person's events of these names inside the window, in time order. */
  eventsNamed(names: readonly string[], window: TimeWindow): Promise<AnalyticsEvent[]>;
  /**
   * Events Interchange itself sent and the vendor accepted (trackEvents), written at once so they show before the
   * next export; the export later brings the same `$insert_id`s and they are stored once.
   */
  record(events: readonly AnalyticsEvent[]): Promise<void>;
}
