import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import { clientFault, faultEnvelope, serverFault, SoapFault, type FaultStyle } from './faults.js';
import { isSoapObject, type SoapValue } from './input.js';
import { isPageName, PAGE_SCHEMAS, type OperationName, type PageName } from './page-schemas.js';
import type { SoapPage } from './soap-page.js';

/**
 * The HTTP side of the page web services, in front of the soap package. Everything soap would do unsafely or
 * in the wrong shape is settled here first, in this order: the size cap (counted after decoding gzip, so a
 * bomb stops at the cap), DTDs refused (XXE, billion laughs), well-formedness (soap answers a malformed body
 * with faultcode "500"), operation and SOAPAction, then WS-Security (soap answers auth failures as HTTP 401
 * with a SOAP 1.2 fault). Only then does soap dispatch the call. Every answer is text/xml, every error a
 * SOAP 1.1 fault with HTTP 500.
 */

export type TransportOptions = {
  company: string;
  pages: ReadonlyMap<PageName, SoapPage>;
  maxRequestBytes: number;
  authenticate(security: SoapValue): void;
};

const XML_TYPE = 'text/xml; charset=utf-8';
const ROUTE = '/WS/:company/Page/:page';
/** A DTD is where XXE and entity expansion live; no SOAP message needs one (SOAP 1.1 forbids it). */
const DTD = /<!DOCTYPE|<!ENTITY/i;

export const pagePath = (company: string, page: PageName): string => `/WS/${encodeURIComponent(company)}/Page/${page}`;

const sendFault = (res: Response, fault: SoapFault, style: FaultStyle): void => {
  res
    .status(500)
    .type(XML_TYPE)
    .send(faultEnvelope(fault.styled(style)));
};

type BodyError = { type?: string; status?: number; message?: string; limit?: number };

/** body-parser's errors (size, encoding, aborted upload) as the Client faults they are. */
function bodyFault(error: BodyError, maxRequestBytes: number): SoapFault | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return clientFault(`The request is larger than the maximum of ${maxRequestBytes} bytes (counted after decompression).`);
    case 'encoding.unsupported':
      return clientFault(error.message ?? 'The request Content-Encoding is not supported.');
    case 'request.aborted':
    case 'request.size.invalid':
      return clientFault('The request body was not received completely.');
    default:
      // zlib errors on a corrupt gzip body arrive here with a 4xx status and no type.
      return error.status !== undefined && error.status < 500
        ? clientFault('The request body could not be read.', error.message)
        : undefined;
  }
}

export function mountPageRoutes(app: Express, options: TransportOptions): void {
  /** The page a URL names, or the fault for an unknown company or page. */
  const target = (req: Request): SoapPage => {
    const company = String(req.params.company);
    const page = String(req.params.page);
    if (company !== options.company) throw clientFault(`Cannot find the company '${company}'.`);
    const soapPage = isPageName(page) ? options.pages.get(page) : undefined;
    if (!soapPage) throw clientFault(`No web service is published at ${req.path}.`);
    return soapPage;
  };

  app.get(ROUTE, async (req, res) => {
    const soapPage = target(req);
    if (!Object.keys(req.query).some((name) => name.toLowerCase() === 'wsdl')) {
      throw clientFault('Use POST for SOAP requests, or GET with ?wsdl for the service description.');
    }
    await soapPage.ready;
    // The checked-in WSDL names a placeholder address; answer with the address it was fetched from.
    const location = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.path}`;
    const wsdl = soapPage.wsdl.toXML().replace(/(<soap:address location=")[^"]*(")/, `$1${location}$2`);
    res.status(200).type(XML_TYPE).send(wsdl);
  });

  app.post(
    ROUTE,
    (req, _res, next) => {
      target(req);
      const type = req.get('content-type') ?? '';
      if (type !== '' && !/^text\/xml\b/i.test(type)) {
        throw clientFault(`Content-Type ${type} is not supported: SOAP 1.1 requests are text/xml.`);
      }
      next();
    },
    // Reads at most maxRequestBytes, after inflating gzip/deflate/br: body-parser counts decoded bytes.
    express.raw({ type: () => true, limit: options.maxRequestBytes, inflate: true }),
    async (req, res) => {
      const soapPage = target(req);
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw clientFault('The request has no SOAP envelope.');
      const xml = body.toString('utf8');
      if (DTD.test(xml)) throw clientFault('For security reasons DTD is prohibited in this XML document.');

      await soapPage.ready;
      let envelope: SoapValue;
      try {
        envelope = soapPage.wsdl.xmlToObject(xml) as SoapValue;
      } catch (error) {
        const parseFault = (error as { Fault?: { detail?: unknown } } | null)?.Fault;
        if (parseFault) throw clientFault('The request is not well-formed XML.', String(parseFault.detail ?? ''));
        // Well-formed, but soap found no message for the Body's element: not an operation of this page.
        const element = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)/.exec(xml)?.[1] ?? '(none)';
        throw clientFault(`The operation ${element} is not available on the ${soapPage.page} page.`);
      }
      const operation = operationOf(soapPage.page, envelope, req.get('soapaction'));
      options.authenticate(isSoapObject(envelope) && isSoapObject(envelope.Header) ? envelope.Header.Security : undefined);

      const answer = await soapPage.server.processRequest(xml, {
        url: req.originalUrl,
        method: 'POST',
        headers: { ...req.headers, soapaction: `"${PAGE_SCHEMAS[soapPage.page].namespace}:${operation}"` },
      });
      // soap's own failures (outside our operations) come as SOAP 1.2 faults or plain text: never pass those on.
      if (answer.statusCode !== 200 && !answer.body.includes('<faultcode')) {
        throw serverFault('The emulator failed to process the request.');
      }
      res.status(answer.statusCode).type(XML_TYPE).send(answer.body);
    },
  );
}

/**
 * The operation a request calls: the Body's first element, which must be an operation of the page and agree
 * with the SOAPAction header when one is sent.
 */
function operationOf(page: PageName, envelope: SoapValue, soapAction: string | undefined): OperationName {
  const body = isSoapObject(envelope) ? envelope.Body : undefined;
  const element = isSoapObject(body) ? Object.keys(body).find((name) => name !== 'attributes') : undefined;
  if (!element) throw clientFault('The request has no SOAP Body element.');
  const schema = PAGE_SCHEMAS[page];
  const operation = schema.operations.find((name) => name === element);
  if (!operation) throw clientFault(`The operation ${element} is not available on the ${page} page.`);
  const action = (soapAction ?? '').replace(/^"(.*)"$/, '$1');
  if (action !== '' && action !== `${schema.namespace}:${operation}`) {
    throw clientFault(`The SOAPAction "${action}" does not match the ${operation} request of the ${page} page.`);
  }
  return operation;
}

/** The last handlers on the app: an unknown path, and any error, become SOAP 1.1 faults too. */
export function mountFaultHandlers(app: Express, maxRequestBytes: number, style: FaultStyle): void {
  app.use((req, res) => {
    sendFault(res, clientFault(`No web service is published at ${req.path}.`), style);
  });
  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof SoapFault) return sendFault(res, error, style);
    const fromBody = typeof error === 'object' && error !== null ? bodyFault(error as BodyError, maxRequestBytes) : undefined;
    sendFault(res, fromBody ?? serverFault('The emulator failed to process the request.'), style);
  };
  app.use(onError);
}
