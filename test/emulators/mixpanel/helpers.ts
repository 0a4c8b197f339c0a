import { gzipSync } from 'node:zlib';

/** Service-account Basic auth for the emulator's default project. */
export const SA_AUTH = `Basic ${Buffer.from('emulator.sa:emulator-secret').toString('base64')}`;
export const PROJECT_ID = 1000;
export const TOKEN = 'mp-emulator-token';
export const TOKEN_AUTH = `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`;

/** A clock tests move by hand. */
export function manualClock(start: number): { now: () => number; set: (ms: number) => void; advance: (ms: number) => void } {
  let current = start;
  return { now: () => current, set: (ms) => (current = ms), advance: (ms) => (current += ms) };
}

export type ImportEvent = { event: string; properties: Record<string, unknown> };

export async function importEvents(
  url: string,
  events: unknown,
  options: { strict?: boolean; ndjson?: boolean; gzip?: boolean; auth?: string; projectId?: number | null } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const params = new URLSearchParams({ strict: options.strict === false ? '0' : '1' });
  if (options.projectId !== null) params.set('project_id', String(options.projectId ?? PROJECT_ID));
  const text = options.ndjson ? (events as unknown[]).map((event) => JSON.stringify(event)).join('\n') : JSON.stringify(events);
  const headers: Record<string, string> = {
    authorization: options.auth ?? SA_AUTH,
    'content-type': options.ndjson ? 'application/x-ndjson' : 'application/json',
  };
  if (options.gzip) headers['content-encoding'] = 'gzip';
  const response = await fetch(`${url}/import?${params}`, {
    method: 'POST',
    headers,
    body: options.gzip ? gzipSync(text) : text,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export type ExportedEvent = { event: string; properties: Record<string, unknown> };

export async function exportEvents(
  url: string,
  query: Record<string, string>,
  auth = SA_AUTH,
): Promise<{ status: number; contentType: string | null; events: ExportedEvent[]; text: string }> {
  const params = new URLSearchParams({ project_id: String(PROJECT_ID), ...query });
  const response = await fetch(`${url}/api/2.0/export?${params}`, { headers: { authorization: auth } });
  const text = await response.text();
  const events =
    response.status === 200
      ? text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as ExportedEvent)
      : [];
  return { status: response.status, contentType: response.headers.get('content-type'), events, text };
}
