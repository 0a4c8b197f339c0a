/**
 * Every error the emulator answers is a SOAP 1.1 fault with HTTP 500. Faults raised inside a page operation are
 * thrown as SoapFault and rendered by the soap package (it recognises the `Fault` property with a `faultcode`
 * and keeps the 1.1 shape); faults raised before soap sees the request (size, DTD, malformed XML, security) are
 * rendered here, in the same shape.
 */

export type FaultCode = 'soap:Client' | 'soap:Server';

/**
 * How faults are written. `nav` (the default) as a NAV / Business Central page service writes them: the
 * exception type in `faultcode` (namespace-prefixed) and the detail as a `<string>` in .NET's serialization
 * namespace. `soap` as a generic SOAP 1.1 service: `soap:Client` / `soap:Server` and a plain `<string>`.
 * Clients must tell faults apart by faultstring and detail, which work against both.
 */
export type FaultStyle = 'nav' | 'soap';

const SERIALIZATION_NS = 'http://schemas.microsoft.com/2003/10/Serialization/';
const NAV_ERROR_NS = 'urn:microsoft-dynamics-schemas/error';
const WCF_DISPATCHER_NS = 'http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher';
const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';

/**
 * The namespace and exception type NAV names for a fault. The service's own failures are WCF's
 * InternalServiceFault; a refused UsernameToken is WS-Security's FailedAuthentication. The NAV exception class
 * names for the page faults are NAV's own (unverified per version: they differ between NAV and BC releases),
 * chosen by what the fault says, as NAV's are.
 */
function navCode(fault: SoapFault): { namespace: string; type: string } {
  if (fault.code === 'soap:Server') return { namespace: WCF_DISPATCHER_NS, type: 'InternalServiceFault' };
  const text = fault.message;
  if (/security token could not be authenticated/i.test(text)) return { namespace: WSSE_NS, type: 'FailedAuthentication' };
  const nav = (name: string) => ({ namespace: NAV_ERROR_NS, type: `Microsoft.Dynamics.Nav.${name}` });
  if (/Another user has modified the record/i.test(text)) return nav('Types.Exceptions.NavNCLConcurrentUpdateException');
  if (/does not exist\./i.test(text)) return nav('Types.Exceptions.NavCSideRecordNotFoundException');
  if (/already exists\./i.test(text)) return nav('Types.Exceptions.NavCSideRecordAlreadyExistsException');
  // Faults about the request itself (envelope, operation, SOAPAction, XML, size, company, service path).
  if (/SOAP|operation|XML|DTD|request|Content-Type|company|web service|POST/i.test(text)) {
    return nav('Service.WebServices.ServiceBrokerException');
  }
  return nav('Types.Exceptions.NavCSideException');
}

/** The fault body as the soap package expects it on a thrown error (ISoapFault11), with attributes where NAV has them. */
export type SoapFault11 = {
  faultcode: string | { attributes: Record<string, string>; $value: string };
  faultstring: string;
  /** NAV puts the message again in a `<string>` element under `detail`; we put the specific reason there. */
  detail: { string: string | { attributes: Record<string, string>; $value: string } };
  statusCode: number;
};

export class SoapFault extends Error {
  readonly code: FaultCode;
  readonly detail: string;
  readonly style: FaultStyle;

  constructor(code: FaultCode, message: string, detail = message, style: FaultStyle = 'nav') {
    super(message);
    this.name = 'SoapFault';
    this.code = code;
    this.detail = detail;
    this.style = style;
  }

  /** The same fault, written in another style. */
  styled(style: FaultStyle): SoapFault {
    return style === this.style ? this : new SoapFault(this.code, this.message, this.detail, style);
  }

  /** faultcode's text and, in NAV style, the namespace its prefix stands for. */
  faultCode(): { text: string; namespace?: string } {
    if (this.style === 'soap') return { text: this.code };
    const { namespace, type } = navCode(this);
    return { text: `a:${type}`, namespace };
  }

  /**
   * Read by the soap server when a service method throws. A getter, because soap deletes `statusCode` from
   * the object it is given, and each rendering must start from a fresh one.
   */
  get Fault(): SoapFault11 {
    const code = this.faultCode();
    return {
      faultcode: code.namespace ? { attributes: { 'xmlns:a': code.namespace }, $value: code.text } : code.text,
      faultstring: this.message,
      detail: { string: this.style === 'nav' ? { attributes: { xmlns: SERIALIZATION_NS }, $value: this.detail } : this.detail },
      statusCode: 500,
    };
  }
}

/** Raised when the request is wrong: the client can fix it (bad input, unknown record, stale Key, auth). */
export const clientFault = (message: string, detail?: string): SoapFault => new SoapFault('soap:Client', message, detail);

/** Raised when the emulator itself failed; the message never carries a stack. */
export const serverFault = (message: string, detail?: string): SoapFault => new SoapFault('soap:Server', message, detail);

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function faultEnvelope(fault: SoapFault): string {
  const code = fault.faultCode();
  const codeXml = code.namespace
    ? `<faultcode xmlns:a="${code.namespace}">${code.text}</faultcode>`
    : `<faultcode>${code.text}</faultcode>`;
  const detailXml = fault.style === 'nav' ? `<string xmlns="${SERIALIZATION_NS}">` : '<string>';
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
    `${codeXml}<faultstring>${escapeXml(fault.message)}</faultstring>` +
    `<detail>${detailXml}${escapeXml(fault.detail)}</string></detail>` +
    '</soap:Fault></soap:Body></soap:Envelope>'
  );
}
