/**
 * What a SOAP fault's `faultcode` says, for a generic SOAP 1.1 service (`soap:Client` / `soap:Server`) and for
 * NAV / Business Central, which names the exception type instead (`a:Microsoft.Dynamics.Nav...Exception`, WCF's
 * `a:InternalServiceFault` when the service itself failed). Which fault it is (a stale Key, a missing record,
 * refused credentials) is read from faultstring, never from here: that works against both. Pure.
 */

/** The service failed (retry, count for the breaker): a Server fault, WCF's internal fault, or soap's "500". */
export function isServiceFailureCode(code: string): boolean {
  return /(^|:)Server$/i.test(code) || /(^|:)InternalServiceFault$/.test(code) || code === '500';
}

/** Our request was refused as it stands: a Client fault, or an exception NAV raised over it. */
export function isRequestFaultCode(code: string): boolean {
  return /(^|:)Client$/i.test(code) || /(^|:)Microsoft\.Dynamics\.Nav\.[\w.]*Exception$/.test(code);
}
