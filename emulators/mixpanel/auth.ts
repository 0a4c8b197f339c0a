import type { Request } from 'express';

export type ServiceAccount = { username: string; secret: string };

/** The one Mixpanel project the emulator hosts. */
export type ProjectConfig = {
  id: number;
  /** The project token: identifies the project on /track, and may authenticate /import as the Basic username. */
  token: string;
  /** Service accounts that may call every API of this project (with `project_id`). */
  serviceAccounts: ServiceAccount[];
};

export const DEFAULT_PROJECT: ProjectConfig = {
  id: 1000,
  token: 'mp-emulator-token',
  serviceAccounts: [{ username: 'emulator.sa', secret: 'emulator-secret' }],
};

export type AuthOutcome = { ok: true; via: 'service-account' | 'project-token' } | { ok: false; status: 400 | 401 | 403; message: string };

function basicCredentials(req: Request): { username: string; password: string } | undefined {
  const header = req.get('authorization');
  const match = header ? /^Basic\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function queryProjectId(req: Request): string | undefined {
  const value = req.query['project_id'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * HTTP Basic as Mixpanel takes it: a service account (username:secret) names its project with the
 * `project_id` query parameter; the ingestion API also takes the project token as username with an empty
 * password (`allowToken`).
 */
export function authenticate(req: Request, project: ProjectConfig, options: { allowToken: boolean }): AuthOutcome {
  const credentials = basicCredentials(req);
  if (!credentials) {
    return { ok: false, status: 401, message: 'Missing credentials: use HTTP Basic authentication with a service account' };
  }
  const projectId = queryProjectId(req);
  const account = project.serviceAccounts.find((candidate) => candidate.username === credentials.username);
  if (account) {
    if (account.secret !== credentials.password) return { ok: false, status: 401, message: 'Invalid credentials' };
    if (projectId === undefined) {
      return { ok: false, status: 400, message: 'project_id is required when authenticating with a service account' };
    }
    if (projectId !== String(project.id)) {
      return { ok: false, status: 403, message: `service account does not have access to project ${projectId}` };
    }
    return { ok: true, via: 'service-account' };
  }
  if (options.allowToken && credentials.username === project.token && credentials.password === '') {
    if (projectId !== undefined && projectId !== String(project.id)) {
      return { ok: false, status: 401, message: 'Invalid credentials' };
    }
    return { ok: true, via: 'project-token' };
  }
  return { ok: false, status: 401, message: 'Invalid credentials' };
}
