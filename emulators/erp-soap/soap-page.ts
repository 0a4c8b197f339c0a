import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Server, WSDL } from 'soap';
import { serverFault, SoapFault, type FaultStyle } from './faults.js';
import type { SoapObject } from './input.js';
import type { PageService, SoapResult } from './page-service.js';
import type { PageName } from './page-schemas.js';

/** The checked-in WSDL of a page (one WSDL per page, schema inline, as NAV publishes them). */
export const wsdlFile = (page: PageName): string => fileURLToPath(new URL(`./wsdl/${page}.wsdl`, import.meta.url));

/**
 * The soap package's view of one page: it parses requests against the page's WSDL, dispatches to the page
 * operation and serialises the answer. Used through `processRequest` (soap's serverless mode) so that our
 * transport owns the HTTP side: soap's own listener reads bodies without a size limit and echoes the request's
 * Content-Type.
 */
export type SoapPage = {
  page: PageName;
  server: Server;
  wsdl: WSDL;
  ready: Promise<void>;
};

const raw = (text: string): string => text;

export function createSoapPage(page: PageName, path: string, service: PageService, style: FaultStyle = 'nav'): SoapPage {
  const xml = readFileSync(wsdlFile(page), 'utf8');
  const methods: Record<string, (args: SoapObject | null) => SoapResult> = {};
  for (const [name, operation] of Object.entries(service.operations)) {
    methods[name] = (args) => {
      try {
        return operation(args ?? {});
      } catch (error) {
        // Anything but our own fault is a bug in the emulator: answer a Server fault without the stack.
        if (error instanceof SoapFault) throw error.styled(style);
        throw serverFault('The emulator failed to process the request.', error instanceof Error ? error.message : String(error)).styled(
          style,
        );
      }
    };
  }
  let markReady: (error?: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = (error) => (error ? reject(error) : resolve());
  });
  const options = {
    path,
    services: { [`${page}_Service`]: { [`${page}_Port`]: methods } },
    xml,
    suppressStack: true,
    // Hand typed values to the page as their text, so decimals keep their digits and dates stay ISO strings;
    // the page validates them with its own messages.
    customDeserializer: { decimal: raw, date: raw, dateTime: raw, int: raw, boolean: raw },
    callback: (error: unknown) => markReady(error ?? undefined),
  };
  const wsdl = new WSDL(xml, wsdlFile(page), options);
  const server = new Server(null, path, options.services, wsdl, options);
  return { page, server, wsdl, ready };
}
