/**
 * Every error the emulator answers is a SOAP 1.1 fault with HTTP 500. Faults raised inside a page operation are
 * thrown as SoapFault and rendered by the soap package (it recognises the `Fault` property with a `faultcode`
 * and keeps the 1.1 shape); faults raised before soap sees the request (size, DTD, malformed XML, security) are
 * rendered here, in the same shape.
 */

export type FaultCode = 'soap:Client' | 'soap:Server';

/** The fault body as the soap package expects it on a thrown error (ISoapFault11). */
export type SoapFault11 = {
  faultcode: FaultCode;
  faultstring: string;
  /** NAV puts the message again in a `<string>` element under `detail`; we put the specific reason there. */
  detail: { string: string };
  statusCode: number;
};

export class SoapFault extends Error {
  readonly code: FaultCode;
  readonly detail: string;

  constructor(code: FaultCode, message: string, detail = message) {
    super(message);
    this.name = 'SoapFault';
    this.code = code;
    this.detail = detail;
  }

  /**
   * Read by the soap server when a service method throws. A getter, because soap deletes `statusCode` from
   * the object it is given, and each rendering must start from a fresh one.
   */
  get Fault(): SoapFault11 {
    return { faultcode: this.code, faultstring: this.message, detail: { string: this.detail }, statusCode: 500 };
  }
}

/** Raised when the request is wrong: the client can fix it (bad input, unknown record, stale Key, auth). */
export const clientFault = (message: string, detail?: string): SoapFault => new SoapFault('soap:Client', message, detail);

/** Raised when the emulator itself failed; the message never carries a stack. */
export const serverFault = (message: string, detail?: string): SoapFault => new SoapFault('soap:Server', message, detail);

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function faultEnvelope(fault: SoapFault): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
    `<faultcode>${fault.code}</faultcode><faultstring>${escapeXml(fault.message)}</faultstring>` +
    `<detail><string>${escapeXml(fault.detail)}</string></detail>` +
    '</soap:Fault></soap:Body></soap:Envelope>'
  );
}
