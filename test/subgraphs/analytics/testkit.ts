// Vendor-shaped fixtures shared by the analytics unit tests.
import type { RawEvent } from '../../../subgraphs/analytics/wire.js';

/** Lines as /api/2.0/export writes them (time in seconds by default, in ms with time_in_ms). */
export const EXPORT_BODY = [
  '{"event":"Sign Up","properties":{"time":1777699896,"distinct_id":"ada@example.com","$insert_id":"s42-p1-e0","$browser":"Safari","mp_country_code":"US","plan":"free"}}',
  '{"event":"Page View","properties":{"time":1777700000123,"distinct_id":"ada@example.com","$insert_id":"s42-p1-e1","page":"/pricing"}}',
  '',
  'not json',
  '{"event":"Login","properties":{"time":1777700500,"distinct_id":"bob@example.com"}}',
  '{"event":"Broken","properties":{"distinct_id":"bob@example.com"}}',
].join('\n');

export const at = (iso: string): number => Date.parse(iso);
export const raw = (name: string, distinctId: string, iso: string, insertId?: string): RawEvent => ({
  name,
  distinctId,
  timeMs: at(iso),
  insertId,
  properties: {},
});
