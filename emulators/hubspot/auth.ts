import { randomBytes } from 'node:crypto';
import express, { type Router } from 'express';
import { HubSpotError, correlationId } from './errors.js';

export type OAuthSettings = { clientId: string; clientSecret: string };

type AccessToken = { expiresAt: number };
type Code = { redirectUri: string | undefined; used: boolean };

/** The OAuth token endpoint's own error body: `status` carries the reason, not the word "error". */
export class OAuthError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthError';
  }

  body(): { status: string; message: string; correlationId: string } {
    return { status: this.reason, message: this.message, correlationId: correlationId() };
  }
}

export type TokenResponse = { access_token: string; refresh_token: string; expires_in: number; token_type: 'bearer' };

/**
 * Who may call the CRM: private-app tokens (never expire) and OAuth access tokens minted by the token
 * endpoint (expire after the TTL, measured on the emulator's clock). Tokens are held in memory only and are
 * never written to the request log.
 */
export class Authenticator {
  private readonly privateTokens: Set<string>;
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Set<string>();
  private readonly codes = new Map<string, Code>();

  constructor(
    privateAppTokens: readonly string[],
    readonly oauth: OAuthSettings,
    private readonly ttlSeconds: number,
    private readonly clock: () => number,
  ) {
    this.privateTokens = new Set(privateAppTokens);
  }

  /** Checks an Authorization header; returns the token (the rate-limit key) or throws HubSpot's 401. */
  authenticate(header: string | undefined): string {
    const token = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
    if (token && this.privateTokens.has(token)) return token;
    const access = token ? this.accessTokens.get(token) : undefined;
    if (!token || !access) {
      throw new HubSpotError(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and private app access tokens.',
      );
    }
    const now = this.clock();
    if (now >= access.expiresAt) {
      const seconds = Math.max(1, Math.floor((now - access.expiresAt) / 1000));
      throw new HubSpotError(401, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${seconds} second(s) ago.`);
    }
    return token;
  }

  /** A single-use authorization code; when `redirectUri` is given the exchange must present the same one. */
  issueCode(redirectUri?: string): string {
    const code = `emu-code-${randomBytes(12).toString('hex')}`;
    this.codes.set(code, { redirectUri, used: false });
    return code;
  }

  exchange(form: Record<string, unknown>): TokenResponse {
    const field = (name: string): string | undefined => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    if (field('client_id') !== this.oauth.clientId) throw new OAuthError('BAD_CLIENT_ID', 'missing or unknown client id');
    if (field('client_secret') !== this.oauth.clientSecret) {
      throw new OAuthError('BAD_CLIENT_SECRET', 'missing or invalid client secret');
    }
    switch (field('grant_type')) {
      case 'authorization_code': {
        const code = field('code');
        const entry = code ? this.codes.get(code) : undefined;
        if (!code || !entry || entry.used) throw new OAuthError('BAD_AUTH_CODE', 'missing or unknown auth code');
        if (entry.redirectUri !== undefined && entry.redirectUri !== field('redirect_uri')) {
          throw new OAuthError('BAD_REDIRECT_URI', 'redirect_uri does not match the one the code was issued for');
        }
        entry.used = true;
        const refreshToken = `emu-rt-${randomBytes(16).toString('hex')}`;
        this.refreshTokens.add(refreshToken);
        return this.mint(refreshToken);
      }
      case 'refresh_token': {
        const refreshToken = field('refresh_token');
        if (!refreshToken || !this.refreshTokens.has(refreshToken)) {
          throw new OAuthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
        }
        // HubSpot keeps the refresh token across refreshes; only the access token is new.
        return this.mint(refreshToken);
      }
      default:
        throw new OAuthError('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
  }

  private mint(refreshToken: string): TokenResponse {
    const accessToken = `emu-at-${randomBytes(24).toString('hex')}`;
    this.accessTokens.set(accessToken, { expiresAt: this.clock() + this.ttlSeconds * 1000 });
    return { access_token: accessToken, refresh_token: refreshToken, expires_in: this.ttlSeconds, token_type: 'bearer' };
  }
}

/** `GET /oauth/authorize` (auto-consent) and `POST /oauth/v1/token`. */
export function oauthRoutes(auth: Authenticator): Router {
  const router = express.Router();
  router.get('/oauth/authorize', (req, res) => {
    const clientId = typeof req.query.client_id === 'string' ? req.query.client_id : undefined;
    const redirectUri = typeof req.query.redirect_uri === 'string' ? req.query.redirect_uri : undefined;
    if (clientId !== auth.oauth.clientId) throw new OAuthError('BAD_CLIENT_ID', 'missing or unknown client id');
    let target: URL;
    try {
      target = new URL(redirectUri ?? '');
    } catch {
      throw new OAuthError('BAD_REDIRECT_URI', 'redirect_uri is missing or not an absolute URL');
    }
    target.searchParams.set('code', auth.issueCode(redirectUri));
    if (typeof req.query.state === 'string') target.searchParams.set('state', req.query.state);
    // A JSON body even here: every answer of this emulator is JSON, which the SDK insists on.
    res.status(302).location(target.toString()).json({ redirect: target.toString() });
  });
  router.post('/oauth/v1/token', express.urlencoded({ extended: false }), (req, res) => {
    res.json(auth.exchange((req.body ?? {}) as Record<string, unknown>));
  });
  return router;
}
