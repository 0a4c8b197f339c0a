/**
 * NAV's faults name the exception type in faultcode and put the detail in .NET's serialization namespace; the
 * emulator's default now does the same. The ERP subgraph's fault reading (toErpError, classifyErp) must tell a
 * stale Key, a missing record and a service failure apart against both NAV's style and generic SOAP 1.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from 'soap';
import type { FaultStyle } from '../../../emulators/erp-soap/index.js';
import { classifyErp, toErpError } from '../../../subgraphs/erp/errors.js';
import { call, envelope, pageClient, startErp, type Started } from './testkit.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.erp.close();
  started = undefined;
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

async function staleUpdate(orders: Client, erp: Started['erp']): Promise<unknown> {
  const customer = erp.snapshot('Customer').find((c) => c.Blocked === '_blank_')!;
  const item = erp.snapshot('Item').find((i) => i.Blocked === 'false')!;
  const created = (await call(orders, 'Create', {
    SalesOrder: { Sell_to_Customer_No: customer.No, SalesLines: { Sales_Order_Line: [{ No: item.No, Quantity: '1' }] } },
  }))!.SalesOrder as { Key: string };
  await call(orders, 'Update', { SalesOrder: { Key: created.Key, External_Document_No: 'FIRST' } });
  return rejection(call(orders, 'Update', { SalesOrder: { Key: created.Key, External_Document_No: 'LOST' } }));
}

describe('NAV-style faults (the default)', () => {
  it('names the exception type in faultcode and puts the detail in the serialization namespace', async () => {
    started = await startErp({ faultStyle: undefined, clock: Date.now });
    const response = await fetch(started.erp.pageUrl('SalesOrder'), {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:microsoft-dynamics-schemas/page/salesorder:Create"' },
      body: envelope(
        'SalesOrder',
        '<tns:Create><tns:SalesOrder><tns:Sell_to_Customer_No>C99999</tns:Sell_to_Customer_No></tns:SalesOrder></tns:Create>',
      ),
    });
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).toMatch(
      /<faultcode xmlns:a="urn:microsoft-dynamics-schemas\/error">a:Microsoft\.Dynamics\.Nav\.[\w.]+Exception<\/faultcode>/,
    );
    expect(text).toContain('<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">');
    expect(text).not.toContain('soap:Client');
  });

  it("answers a service failure with WCF's InternalServiceFault", async () => {
    started = await startErp({ faultStyle: undefined, clock: Date.now, faults: [{ route: 'POST /WS/**', status: 500 }] });
    const customers = await pageClient(started.erp, 'Customer');
    const error = await rejection(call(customers, 'ReadMultiple', { filter: [], setSize: '1' }));
    const fault = (error as { root: { Envelope: { Body: { Fault: { faultcode: unknown } } } } }).root.Envelope.Body.Fault;
    expect(JSON.stringify(fault.faultcode)).toContain('a:InternalServiceFault');
  });
});

describe.each<FaultStyle>(['nav', 'soap'])('the ERP subgraph reads %s faults', (style) => {
  it('tells a stale Key (CONFLICT) from a missing record (NOT_FOUND) and a service failure (retried)', async () => {
    started = await startErp({ faultStyle: style, clock: Date.now });
    const orders = await pageClient(started.erp, 'SalesOrder');
    const stale = await staleUpdate(orders, started.erp);
    expect(toErpError(stale).extensions).toMatchObject({ code: 'CONFLICT', upstream: 'erp' });
    expect(classifyErp(stale)).toMatchObject({ retryable: false, countsForBreaker: false });

    const customers = await pageClient(started.erp, 'Customer');
    const noCustomer = await rejection(call(orders, 'Create', { SalesOrder: { Sell_to_Customer_No: 'C99999' } }));
    expect(toErpError(noCustomer).extensions).toMatchObject({ code: 'NOT_FOUND' });

    started.erp.faults.set([{ route: 'POST /WS/**', status: 500 }]);
    const failed = await rejection(call(customers, 'ReadMultiple', { filter: [], setSize: '1' }));
    expect(classifyErp(failed)).toMatchObject({ retryable: true, countsForBreaker: true });
    expect(toErpError(failed).extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });
});
