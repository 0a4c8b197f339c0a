import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { connectionFromArray, decodeCursor, encodeCursor, readPageArgs, toConnection } from '../../../subgraphs/kit/connection.js';

const rows = (from: number, count: number) => Array.from({ length: count }, (_, index) => `r${from + index}`);

describe('connections over vendor pages', () => {
  it('round-trips cursors and refuses foreign ones with BAD_USER_INPUT', () => {
    expect(decodeCursor(encodeCursor('abc', 3))).toEqual({ vendorAfter: 'abc', skip: 3 });
    expect(decodeCursor(encodeCursor(undefined, 0))).toEqual({ vendorAfter: undefined, skip: 0 });
    for (const bad of [
      '',
      'xyz',
      Buffer.from('["c0",null,1]').toString('base64url'),
      Buffer.from('["c1",null,-1]').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(GraphQLError);
    }
  });

  it('validates first', () => {
    expect(() => readPageArgs({ first: 0 })).toThrow(/between 1 and 100/);
    expect(() => readPageArgs({ first: 101 })).toThrow(/between 1 and 100/);
    expect(readPageArgs({ first: 5 })).toEqual({ first: 5, skip: 0, vendorAfter: undefined, limit: 5 });
  });

  it('uses the vendor token as the end cursor of a full page', () => {
    const request = readPageArgs({ first: 3 });
    const connection = toConnection(request, rows(0, 3), 'next-token', (row) => row);
    expect(connection.nodes).toEqual(['r0', 'r1', 'r2']);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(decodeCursor(connection.pageInfo.endCursor!)).toEqual({ vendorAfter: 'next-token', skip: 0 });
  });

  it('resumes after a middle edge by skipping within the same vendor page', () => {
    const first = toConnection(readPageArgs({ first: 4 }), rows(0, 4), 'n1', (row) => row);
    const request = readPageArgs({ first: 2, after: first.edges[1]!.cursor });
    expect(request).toMatchObject({ vendorAfter: undefined, skip: 2, limit: 4 });
    const next = toConnection(request, rows(0, 4), 'n1', (row) => row);
    expect(next.nodes).toEqual(['r2', 'r3']);
    expect(next.pageInfo.hasPreviousPage).toBe(true);
  });

  it('pages an in-memory list and reports the total', () => {
    const all = rows(0, 25);
    const page1 = connectionFromArray(all, { first: 10 }, (row) => row);
    const page3 = connectionFromArray(
      all,
      { first: 10, after: connectionFromArray(all, { first: 10, after: page1.pageInfo.endCursor }, (r) => r).pageInfo.endCursor },
      (row) => row,
    );
    expect(page3.nodes).toEqual(rows(20, 5));
    expect(page3.pageInfo.hasNextPage).toBe(false);
    expect(page3.totalCount).toBe(25);
  });
});
