import { createEmulatorApp, toEmulator, type Emulator, type FaultRule } from '../shared/server.js';
import { DEFAULT_SEED } from '../shared/people.js';
import { createPageService, type ModifiedStamps, type PageRecord, type PageService } from './page-service.js';
import { PAGE_NAMES, type PageName } from './page-schemas.js';
import { customerPage } from './pages/customer.js';
import { itemPage } from './pages/item.js';
import { postedSalesInvoicePage } from './pages/posted-sales-invoice.js';
import { salesOrderPage } from './pages/sales-order.js';
import { seedErpTables } from './seed.js';
import { createSoapPage, wsdlFile, type SoapPage } from './soap-page.js';
import { clientFault, faultEnvelope, serverFault, type FaultStyle } from './faults.js';
import { createStore } from './store.js';
import { mountFaultHandlers, mountPageRoutes, pagePath } from './transport.js';
import { createUsernameTokenCheck, type ErpUser } from './ws-security.js';

export { PAGE_NAMES, PAGE_SCHEMAS, type PageName, type OperationName } from './page-schemas.js';
export type { PageRecord, SalesLineElement } from './page-service.js';
export { passwordDigest, type ErpUser } from './ws-security.js';
export { wsdlFile } from './soap-page.js';
export type { FaultStyle } from './faults.js';
export { VAT_PERCENT } from './seed.js';

export const DEFAULT_ERP_PORT = 4104;
/** When the seeded records were last modified: the first at this instant, each next one a minute later. */
export const SEEDED_AT = Date.parse('2026-01-05T08:00:00Z');
export const DEFAULT_ERP_COMPANY = 'CRONUS';
export const DEFAULT_ERP_USER: ErpUser = { username: 'INTERCHANGE', password: 'emulator-password' };
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

export type ErpSoapEmulatorOptions = {
  /** Seed for the generated customers, items, orders and invoices; default DEFAULT_SEED (42). */
  seed?: number;
  /**
   * The clock (ms since epoch) for token freshness, new orders' Order_Date and the Last_Modified_Date_Time
   * stamped on every write; default Date.now.
   */
  clock?: () => number;
  /** Company name in the service URLs `/WS/<company>/Page/<page>`; default 'CRONUS'. */
  company?: string;
  /** Accepted WS-Security UsernameToken users; default [DEFAULT_ERP_USER] (INTERCHANGE / emulator-password). */
  users?: readonly ErpUser[];
  /** Largest request body in bytes, counted after gzip/deflate decoding; default 1 MiB. */
  maxRequestBytes?: number;
  /** How old a UsernameToken's Created may be, in ms; default 300000 (5 minutes). */
  tokenMaxAgeMs?: number;
  /** How far in the future a UsernameToken's Created may be, in ms; default 60000. */
  tokenFutureSkewMs?: number;
  /**
   * Resolution of Last_Modified_Date_Time in ms; default 1000 (whole seconds), so several writes share a
   * timestamp as they do on a busy NAV and a change poller must handle ties.
   */
  modifiedResolutionMs?: number;
  /** Fault rules in force from the start (see emulators/shared/faults.ts); default none. */
  faults?: readonly FaultRule[];
  /**
   * `nav` (default): faults name NAV's exception type in faultcode with the detail in .NET's serialization
   * namespace, as a NAV / Business Central service writes them; `soap`: generic soap:Client / soap:Server.
   */
  faultStyle?: FaultStyle;
};

export type ErpSoapEmulator = Emulator & {
  readonly company: string;
  /** The path of a page's service, e.g. `/WS/CRONUS/Page/Customer`; its WSDL is at that path + `?wsdl`. */
  pagePath(page: PageName): string;
  /** The full URL of a page's service; throws before listen(). */
  pageUrl(page: PageName): string;
  /** Every record of a page as the service would return it (values as wire strings), ordered by No. */
  snapshot(page: PageName): readonly PageRecord[];
  /** SOAP calls served (POSTs to page URLs, faults included), for one page or all. */
  soapCalls(page?: PageName): number;
  /** Resolves once every page's WSDL is loaded (requests wait for it on their own). */
  readonly ready: Promise<void>;
};

export function createErpSoapEmulator(options: ErpSoapEmulatorOptions = {}): ErpSoapEmulator {
  const company = options.company ?? DEFAULT_ERP_COMPANY;
  const clock = options.clock ?? Date.now;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const faultStyle = options.faultStyle ?? 'nav';
  const store = createStore(seedErpTables(options.seed ?? DEFAULT_SEED));
  const onWrite = () => store.touch();
  const resolutionMs = options.modifiedResolutionMs ?? 1000;
  if (!Number.isInteger(resolutionMs) || resolutionMs < 1) throw new Error('modifiedResolutionMs must be a positive integer');
  // Seeded records were last written before the emulator started, a minute apart, at fixed times (not the clock).
  const stamps: ModifiedStamps = { clock, resolutionMs, seededAt: (position) => SEEDED_AT + position * 60_000 };

  const services: Record<PageName, PageService> = {
    Customer: createPageService(customerPage(store), onWrite, stamps),
    SalesOrder: createPageService(salesOrderPage(store, clock), onWrite, stamps),
    PostedSalesInvoice: createPageService(postedSalesInvoicePage(store), onWrite),
    Item: createPageService(itemPage(store), onWrite),
  };
  const pages = new Map<PageName, SoapPage>(
    PAGE_NAMES.map((page) => [page, createSoapPage(page, pagePath(company, page), services[page], faultStyle)]),
  );
  const ready = Promise.all([...pages.values()].map((page) => page.ready)).then(() => undefined);

  const { app, requests } = createEmulatorApp({
    name: 'erp-soap',
    faults: options.faults,
    faultBody: (status) => erpFaultBody(status, faultStyle),
    admin: (router) => {
      router.get('/pages/:page', (req, res) => {
        const page = String(req.params.page);
        const service = (PAGE_NAMES as readonly string[]).includes(page) ? services[page as PageName] : undefined;
        if (!service) return void res.status(404).json({ error: `no page ${page}; pages: ${PAGE_NAMES.join(', ')}` });
        res.json({ page, records: service.snapshot() });
      });
    },
  });
  const authenticate = createUsernameTokenCheck({
    users: options.users ?? [DEFAULT_ERP_USER],
    clock,
    maxAgeMs: options.tokenMaxAgeMs ?? 300_000,
    maxFutureSkewMs: options.tokenFutureSkewMs ?? 60_000,
  });
  mountPageRoutes(app, { company, pages, maxRequestBytes, authenticate });
  mountFaultHandlers(app, maxRequestBytes, faultStyle);

  const emulator = toEmulator('erp-soap', app, requests);
  return Object.assign(emulator, {
    company,
    ready,
    pagePath: (page: PageName) => pagePath(company, page),
    pageUrl: (page: PageName) => `${emulator.url}${pagePath(company, page)}`,
    snapshot: (page: PageName) => services[page].snapshot(),
    soapCalls: (page?: PageName) => requests.count({ method: 'POST', path: page ? pagePath(company, page) : /^\/WS\/[^/]+\/Page\// }),
  });
}

/** Where the checked-in WSDL of each page lives, for clients that load it from disk. */
export const ERP_WSDL_FILES: Readonly<Record<PageName, string>> = Object.fromEntries(
  PAGE_NAMES.map((page) => [page, wsdlFile(page)]),
) as Record<PageName, string>;

/**
 * Injected faults as a NAV service answers: a SOAP 1.1 fault, a Server fault for 5xx (the service failed) and
 * a Client fault for 4xx, in the emulator's fault style; a cut-short 200 is a ReadMultiple answer.
 */
function erpFaultBody(status: number, style: FaultStyle): { contentType: string; body: string } {
  const contentType = 'text/xml; charset=utf-8';
  if (status === 200) {
    return {
      contentType,
      body:
        '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
        '<ReadMultiple_Result xmlns="urn:microsoft-dynamics-schemas/page/customer"><ReadMultiple_Result><Customer><Key>fault</Key><No>C-FAULT</No></Customer>' +
        '</ReadMultiple_Result></ReadMultiple_Result></soap:Body></soap:Envelope>',
    };
  }
  const message = `fault injected by the erp-soap emulator (HTTP ${status})`;
  return { contentType, body: faultEnvelope((status >= 500 ? serverFault(message) : clientFault(message)).styled(style)) };
}
