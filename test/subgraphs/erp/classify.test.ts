import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../../subgraphs/kit/index.js';
import { classifyErp, toErpError } from '../../../subgraphs/erp/client.js';

/** What soap throws for a fault answer: the HTTP response and the parsed envelope. */
const fault = (faultcode: string, faultstring: string, status = 500) => ({
  message: `${faultcode}: ${faultstring}`,
  response: { status, data: '<soap:Envelope/>', headers: {} },
  root: { Envelope: { Body: { Fault: { faultcode, faultstring } } } },
});

describe('classifyErp', () => {
  it('takes our own typed errors as final and no sign of ERP trouble', () => {
    expect(classifyErp(new BadUserInputError('bad'))).toEqual({ retryable: false, countsForBreaker: false });
  });

  it('waits as Retry-After says on 429 (a second without one), before reading any fault body, and does not count it', () => {
    const limited = { ...fault('soap:Client', 'slow down', 429), response: { status: 429, data: '', headers: { 'retry-after': '3' } } };
    expect(classifyErp(limited)).toEqual({ retryable: true, status: 429, retryAfterMs: 3000, countsForBreaker: false });
    expect(classifyErp({ response: { status: 429, headers: {} } }).retryAfterMs).toBe(1000);
    expect(toErpError(limited).extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfter: 3 });
  });

  it('retries a Server fault (and soap\'s "500" for an unparsable answer) and counts it, though every fault is HTTP 500', () => {
    expect(classifyErp(fault('soap:Server', 'The service could not reach its database.'))).toEqual({ retryable: true, status: 500, countsForBreaker: true });
    expect(classifyErp(fault('500', 'Unexpected close tag'))).toEqual({ retryable: true, status: 500, countsForBreaker: true });
  });

  it('takes a Client fault (validation, stale Key, not found, security) as final and no sign of ERP trouble', () => {
    expect(classifyErp(fault('soap:Client', 'Another user has modified the record.'))).toEqual({ retryable: false, status: 500, countsForBreaker: false });
    expect(classifyErp(fault('a:Microsoft.Dynamics.Nav.Types.Exceptions.NavCSideException', 'Quantity must be positive.'))).toEqual({ retryable: false, status: 500, countsForBreaker: false });
  });

  it('takes refused credentials before SOAP (401/403) as final', () => {
    expect(classifyErp({ message: 'Request failed', response: { status: 401, data: '' } })).toEqual({ retryable: false, status: 401, countsForBreaker: false });
  });

  it('retries no answer at all (reset, timeout) and an answer that is no SOAP (HTML 502), counting both', () => {
    expect(classifyErp(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual({ retryable: true, countsForBreaker: true });
    expect(classifyErp({ message: 'not XML', response: { status: 502, data: '<html>' } })).toEqual({ retryable: true, status: 502, countsForBreaker: true });
  });
});
