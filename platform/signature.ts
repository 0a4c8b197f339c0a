import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Requests from the gateway to a subgraph are signed, so a subgraph's port reached directly bypasses nothing:
 * HMAC-SHA256 with the shared SUBGRAPH_SECRET over the timestamp, method, path, the caller identity headers and
 * the body's SHA-256. The header is `x-interchange-signature: t=<unix seconds>,v1=<hex>`.
 */
export const SIGNATURE_HEADER = 'x-interchange-signature';
/** The caller's identity as the gateway established it, for row-level checks in subgraphs (signed too). */
export const IDENTITY_HEADERS = { user: 'x-interchange-user', scopes: 'x-interchange-scopes', client: 'x-interchange-client' } as const;

export type SignedRequest = {
  method: string;
  /** Path and query string, e.g. `/graphql`. */
  path: string;
  body: string | Buffer;
  /** The identity header values (absent: empty). */
  identity: { user?: string | undefined; scopes?: string | undefined; client?: string | undefined };
};

/** Raised when a request's signature is missing, malformed, stale or wrong; the message says which. */
export class GatewaySignatureError extends Error {
  override readonly name = 'GatewaySignatureError';
}

function digest(secret: string, timestamp: number, request: SignedRequest): string {
  const body = createHash('sha256').update(request.body).digest('hex');
  const { user = '', scopes = '', client = '' } = request.identity;
  return createHmac('sha256', secret)
    .update([timestamp, request.method.toUpperCase(), request.path, user, scopes, client, body].join('\n'))
    .digest('hex');
}

/** The signature header value for a request sent now (`now` in ms, default the system clock). */
export function signRequest(secret: string, request: SignedRequest, now: number = Date.now()): string {
  const timestamp = Math.floor(now / 1000);
  return `t=${timestamp},v1=${digest(secret, timestamp, request)}`;
}

/** Throws a GatewaySignatureError unless `header` signs `request` with `secret` within `toleranceSeconds` of `now` (ms). */
export function verifyRequest(
  secret: string,
  header: string | undefined,
  request: SignedRequest,
  options: { toleranceSeconds?: number; now?: number } = {},
): void {
  if (!header)
    throw new GatewaySignatureError(`The request is not signed: the gateway sends ${SIGNATURE_HEADER}; subgraphs answer only the gateway.`);
  const match = /^t=(\d+),v1=([\da-f]{64})$/.exec(header);
  if (!match) throw new GatewaySignatureError(`${SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<64 hex digits>.`);
  const timestamp = Number(match[1]);
  const tolerance = options.toleranceSeconds ?? 60;
  const skew = Math.abs(Math.floor((options.now ?? Date.now()) / 1000) - timestamp);
  if (skew > tolerance)
    throw new GatewaySignatureError(`The signature is ${skew} s old; at most ${tolerance} s are accepted (check the clocks, or a replay).`);
  const expected = Buffer.from(digest(secret, timestamp, request), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex')))
    throw new GatewaySignatureError('The signature does not match: the gateway and this subgraph need the same SUBGRAPH_SECRET.');
}
