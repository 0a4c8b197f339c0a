import { request } from 'node:http';
import { createEmulatorApp, toEmulator, type Emulator, type EmulatorAppOptions } from '../../../emulators/shared/server.js';

/** A tiny vendor on the shared emulator app: two things routes and a batch route, all JSON. */
export async function startTiny(options: Partial<EmulatorAppOptions> = {}): Promise<Emulator> {
  const { app, requests } = createEmulatorApp({ name: 'tiny', ...options });
  app.get('/v1/things/:id', (req, res) => {
    res.json({ id: req.params.id, object: 'thing' });
  });
  app.post('/v1/things/:id/batch/read', (_req, res) => {
    res.json({ results: [] });
  });
  app.get('/v1/other', (_req, res) => {
    res.json({ ok: true });
  });
  const emulator = toEmulator('tiny', app, requests);
  await emulator.listen(0);
  return emulator;
}

export type RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** One request over a fresh connection (no keep-alive pool), so socket-level faults show as they are. */
export function send(url: string, method = 'GET', options: { timeoutMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    }
    req.on('error', reject);
    req.end();
  });
}

/** What `promise` rejected with; fails the test when it resolved. */
export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
