import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../platform/index.js';
import { BadUserInputError } from '../../../subgraphs/kit/index.js';
import { classifyErp, toErpError } from '../../../subgraphs/erp/errors.js';

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
    expect(classifyErp(fault('soap:Server', 'The service could not reach its database.'))).toEqual({
      retryable: true,
      status: 500,
      countsForBreaker: true,
    });
    expect(classifyErp(fault('500', 'Unexpected close tag'))).toEqual({ retryable: true, status: 500, countsForBreaker: true });
  });

  it('takes a Client fault (validation, stale Key, not found, security) as final and no sign of ERP trouble', () => {
    expect(classifyErp(fault('soap:Client', 'Another user has modified the record.'))).toEqual({
      retryable: false,
      status: 500,
      countsForBreaker: false,
    });
    expect(classifyErp(fault('a:Microsoft.Dynamics.Nav.Types.Exceptions.NavCSideException', 'Quantity must be positive.'))).toEqual({
      retryable: false,
      status: 500,
      countsForBreaker: false,
    });
  });

  it('takes refused credentials before SOAP (401/403) as final', () => {
    expect(classifyErp({ message: 'Request failed', response: { status: 401, data: '' } })).toEqual({
      retryable: false,
      status: 401,
      countsForBreaker: false,
    });
  });

  it('retries no answer at all (reset, timeout) and an answer that is no SOAP (HTML 502), counting both', () => {
    expect(classifyErp(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual({
      retryable: true,
      countsForBreaker: true,
    });
    expect(classifyErp({ message: 'not XML', response: { status: 502, data: '<html>' } })).toEqual({
      retryable: true,
      status: 502,
      countsForBreaker: true,
    });
  });
});

describe('toErpError', () => {
  const soapFault = (faultcode: string, faultstring: string) => ({
    message: `${faultcode}: ${faultstring}`,
    response: { status: 500, data: '<soap:Envelope/>' },
    root: { Envelope: { Body: { Fault: { faultcode, faultstring } } } },
  });

  it('tells faults apart by their text first, since NAV puts exception classes into faultcode', () => {
    const stale = toErpError(
      soapFault(
        'a:Microsoft.Dynamics.Nav.Service.WebServices.ServiceBrokerException',
        'Another user has modified the record for this Sales Header after you retrieved it from the database. Refresh the record and try again.',
      ),
    );
    expect(stale.extensions).toMatchObject({ code: ErrorCode.CONFLICT, upstream: 'erp' });
    expect(stale.message).toMatch(/Read it again/);

    const missing = toErpError(soapFault('soap:Client', "The Sales Header does not exist. Identification fields and values: No.='SO-1'"));
    expect([missing.extensions.code, missing.message]).toEqual([ErrorCode.NOT_FOUND, 'Order SO-1 was not found.']);

    const security = toErpError(soapFault('soap:Client', 'The security token could not be authenticated or authorized.'));
    expect(security.extensions.code).toBe(ErrorCode.UPSTREAM_ERROR);
    expect(security.message).toMatch(/check the ERP configuration/);
  });

  it('maps validation faults to BAD_USER_INPUT naming the input field, Server faults to UPSTREAM_UNAVAILABLE', () => {
    const invalid = toErpError(
      soapFault(
        'soap:Client',
        'The length of the string for SalesOrder.External_Document_No is 40, but it must be less than or equal to 35 characters.',
      ),
    );
    expect(invalid.extensions).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field: 'input.externalDocumentNumber' });
    const dialog = toErpError(
      soapFault(
        'a:Microsoft.Dynamics.Nav.Types.Exceptions.NavNCLDialogException',
        'Quantity must be positive in Sales Line: Line No.=10000.',
      ),
    );
    expect(dialog.extensions).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field: 'input.lines.quantity' });
    expect(toErpError(soapFault('soap:Server', 'Deadlock')).extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
  });

  it('maps malformed answers, refused connections and timeouts without crashing', () => {
    expect(toErpError({ message: 'Unexpected close tag', response: { status: 200, data: '<a><b></a>' } }).extensions.code).toBe(
      ErrorCode.UPSTREAM_UNAVAILABLE,
    );
    expect(toErpError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).extensions.code).toBe(
      ErrorCode.UPSTREAM_UNAVAILABLE,
    );
    expect(toErpError(Object.assign(new Error('timeout of 400ms exceeded'), { code: 'ECONNABORTED' })).extensions.code).toBe(
      ErrorCode.UPSTREAM_TIMEOUT,
    );
    expect(toErpError({ message: 'Unauthorized', response: { status: 401, data: '' } }).extensions.code).toBe(ErrorCode.UPSTREAM_ERROR);
    expect(toErpError('a string').extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
  });
});
