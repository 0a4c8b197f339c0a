import type { Logger } from '../../platform/index.js';
import type { HubSpotAuth } from './config.js';

/** HubSpot's answer to a refresh_token grant, as the SDK returns it. */
export type TokenGrant = { accessToken: string; refreshToken: string; expiresIn: number };

/** The access token every HubSpot call sends. */
export type TokenSource = {
  /** The current access token, refreshed first when it expires within a minute. */
  token(): Promise<string>;
  /** Forgets the token: HubSpot said it expired before our clock did. */
  expire(): void;
};

/** Renew this long before HubSpot's stated expiry, so no call leaves with a token about to lapse. */
const RENEW_BEFORE_MS = 60_000;

/**
 * The OAuth token source: a private-app token as it is, or OAuth access tokens renewed a minute before they
 * expire, one refresh at a time (concurrent callers share it). `refresh` makes the grant (the client passes the
 * SDK call); `now` is the clock for expiry.
 */
export function createTokenSource(
  auth: HubSpotAuth,
  refresh: (refreshToken: string) => Promise<TokenGrant>,
  now: () => number,
  log: Logger,
): TokenSource {
  if (auth.kind === 'private-app') return { token: async () => auth.accessToken, expire: () => {} };
  let current: { token: string; expiresAt: number } | undefined;
  let refreshing: Promise<string> | undefined;
  let refreshToken = auth.refreshToken;
  const renew = async (): Promise<string> => {
    const started = now();
    const grant = await refresh(refreshToken);
    // HubSpot may rotate the refresh token; an empty one means "keep the old".
    refreshToken = grant.refreshToken || refreshToken;
    current = { token: grant.accessToken, expiresAt: started + grant.expiresIn * 1000 };
    log.info({ expiresIn: grant.expiresIn }, 'hubspot access token refreshed');
    return current.token;
  };
  return {
    async token() {
      if (current && current.expiresAt - RENEW_BEFORE_MS > now()) return current.token;
      refreshing ??= renew().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    expire() {
      current = undefined;
    },
  };
}
