import { BadUserInputError } from './errors.js';
import type { Connection } from './types.js';

/**
 * Relay connections over vendor paging. A cursor names a position as (the vendor's own page token, how many
 * rows of that page to skip), so any edge's cursor resumes right after it, while the usual `endCursor` is
 * just the vendor's next-page token. Cursors are opaque to clients: versioned base64url JSON.
 */

/** What to ask the vendor for: `limit` rows starting at `vendorAfter`, of which the first `skip` are dropped. */
export type PageRequest = {
  first: number;
  skip: number;
  vendorAfter: string | undefined;
  /** Rows to fetch from the vendor: skip + first, clamped to the vendor's page maximum. */
  limit: number;
};

const VERSION = 'c1';

export function encodeCursor(vendorAfter: string | undefined, skip: number): string {
  return Buffer.from(JSON.stringify([VERSION, vendorAfter ?? null, skip])).toString('base64url');
}

export function decodeCursor(cursor: string, argument = 'after'): { vendorAfter: string | undefined; skip: number } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && value[0] === VERSION) {
      const [, vendorAfter, skip] = value as [string, unknown, unknown];
      if ((vendorAfter === null || typeof vendorAfter === 'string') && Number.isInteger(skip) && (skip as number) >= 0) {
        return { vendorAfter: vendorAfter ?? undefined, skip: skip as number };
      }
    }
  } catch {
    // Falls through to the error below: any unreadable cursor is the caller's mistake.
  }
  throw new BadUserInputError(`\`${argument}\` is not a cursor this API gave out; pass back a cursor from pageInfo or an edge.`, argument);
}

/** Validates `first` and `after` and says what to fetch. `max` is the largest page the vendor serves. */
export function readPageArgs(args: { first?: number | null; after?: string | null }, max = 100, defaultFirst = 20): PageRequest {
  const first = args.first ?? defaultFirst;
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw new BadUserInputError(`\`first\` must be between 1 and ${max}; got ${first}.`, 'first');
  }
  const { vendorAfter, skip } = args.after ? decodeCursor(args.after) : { vendorAfter: undefined, skip: 0 };
  return { first, skip, vendorAfter, limit: Math.min(max, skip + first) };
}

/**
 * Builds the connection from what the vendor returned for a PageRequest: `rows` is the vendor's page from
 * `request.vendorAfter` (skipped rows included), `vendorNext` its next-page token (undefined on the last page).
 */
export function toConnection<Row, Node>(
  request: PageRequest,
  rows: readonly Row[],
  vendorNext: string | undefined,
  toNode: (row: Row) => Node,
  totalCount?: number | null,
): Connection<Node> {
  const end = Math.min(rows.length, request.skip + request.first);
  const cursorAt = (position: number): string =>
    position >= rows.length && vendorNext !== undefined ? encodeCursor(vendorNext, 0) : encodeCursor(request.vendorAfter, position);
  const edges = rows.slice(request.skip, end).map((row, index) => ({
    cursor: cursorAt(request.skip + index + 1),
    node: toNode(row),
  }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: rows.length > end || vendorNext !== undefined,
      hasPreviousPage: request.vendorAfter !== undefined || request.skip > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.length > 0 ? edges[edges.length - 1]!.cursor : null,
    },
    ...(totalCount === undefined ? {} : { totalCount }),
  };
}

/** A connection over a list already in memory (e.g. a customer's associated deals): offsets as positions. */
export function connectionFromArray<Row, Node>(
  rows: readonly Row[],
  args: { first?: number | null; after?: string | null },
  toNode: (row: Row) => Node,
  max = 100,
): Connection<Node> {
  const request = readPageArgs(args, max, 10);
  if (request.vendorAfter !== undefined) throw new BadUserInputError('`after` belongs to another list.', 'after');
  return toConnection({ ...request, limit: rows.length }, rows, undefined, toNode, rows.length);
}
