import { gzipSync } from 'node:zlib';
import { createClientAsync, WSSecurity, type Client, type ISecurity } from 'soap';
import {
  createErpSoapEmulator,
  DEFAULT_ERP_USER,
  ERP_WSDL_FILES,
  type ErpSoapEmulator,
  type ErpSoapEmulatorOptions,
  type PageName,
} from '../../../emulators/erp-soap/index.js';

/** A fixed instant for the whole suite: the soap client stamps Created with `new Date()`, which tests fake. */
export const T0 = Date.UTC(2026, 2, 2, 9, 30, 0);

const asSent = (text: string): string => text;
/**
 * Keeps decimals, dates, integers and booleans as the strings on the wire, so tests compare exactly what the
 * service sent (and what `snapshot()` holds). Without it the soap client turns them into number, Date, number
 * and boolean.
 */
export const AS_SENT = { decimal: asSent, date: asSent, dateTime: asSent, int: asSent, boolean: asSent };

export type Started = { erp: ErpSoapEmulator; clock: { now: number } };

/**
 * An emulator on port 0 with a fixed clock. These suites assert generic SOAP 1.1 fault codes (soap:Client /
 * soap:Server), so they ask for that style; fidelity.test.ts covers the default, NAV's.
 */
export async function startErp(options: ErpSoapEmulatorOptions = {}): Promise<Started> {
  const clock = { now: T0 };
  const erp = createErpSoapEmulator({ clock: () => clock.now, faultStyle: 'soap', ...options });
  await erp.listen(0);
  await erp.ready;
  return { erp, clock };
}

export async function pageClient(
  erp: ErpSoapEmulator,
  page: PageName,
  security: ISecurity | null = new WSSecurity(DEFAULT_ERP_USER.username, DEFAULT_ERP_USER.password, {
    passwordType: 'PasswordDigest',
    hasNonce: true,
  }),
  wsdl: string = ERP_WSDL_FILES[page],
): Promise<Client> {
  const client = await createClientAsync(wsdl, { endpoint: erp.pageUrl(page), customDeserializer: AS_SENT });
  if (security) client.setSecurity(security);
  return client;
}

/** Calls `<operation>Async` on a soap client and returns the result object. */
export async function call(client: Client, operation: string, args: object): Promise<Record<string, unknown> | null> {
  const method = (client as unknown as Record<string, (args: object) => Promise<[Record<string, unknown> | null]>>)[`${operation}Async`];
  if (!method) throw new Error(`the client has no ${operation}Async`);
  const [result] = await method.call(client, args);
  return result;
}

export type ParsedFault = { status: number; contentType: string; faultcode: string; faultstring: string; detail: string };

/** The fault a soap client call was answered with (the client rejects with the parsed envelope). */
export async function faultOf(promise: Promise<unknown>): Promise<ParsedFault> {
  try {
    await promise;
  } catch (error) {
    const failure = error as {
      response?: { status: number; headers: Record<string, string> };
      root?: { Envelope?: { Body?: { Fault?: { faultcode: string; faultstring: string; detail?: { string?: string } } } } };
    };
    const fault = failure.root?.Envelope?.Body?.Fault;
    if (!fault || !failure.response) throw error;
    return {
      status: failure.response.status,
      contentType: failure.response.headers['content-type'] ?? '',
      faultcode: fault.faultcode,
      faultstring: fault.faultstring,
      detail: fault.detail?.string ?? '',
    };
  }
  throw new Error('expected a SOAP fault, the call succeeded');
}

const unescape = (text: string): string =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** POSTs raw bytes to a page and parses the SOAP 1.1 fault it must answer with. */
export async function rawFault(
  erp: ErpSoapEmulator,
  page: PageName,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<ParsedFault> {
  const response = await fetch(erp.pageUrl(page), {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: `"urn:microsoft-dynamics-schemas/page/${page.toLowerCase()}:ReadMultiple"`,
      ...headers,
    },
    body,
  });
  const text = await response.text();
  const field = (name: string) => unescape(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text)?.[1] ?? '');
  if (!text.includes('http://schemas.xmlsoap.org/soap/envelope/')) throw new Error(`not a SOAP 1.1 envelope: ${text.slice(0, 200)}`);
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    faultcode: field('faultcode'),
    faultstring: field('faultstring'),
    detail: field('string'),
  };
}

/** A valid WS-Security header for raw requests, as the soap client would send it. */
export function securityHeader(): string {
  return new WSSecurity(DEFAULT_ERP_USER.username, DEFAULT_ERP_USER.password, { passwordType: 'PasswordDigest', hasNonce: true }).toXML();
}

export function envelope(page: PageName, body: string, header = securityHeader()): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:microsoft-dynamics-schemas/page/${page.toLowerCase()}">` +
    `<soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

export const gzip = (text: string | Buffer): Buffer => gzipSync(text, { level: 9 });
