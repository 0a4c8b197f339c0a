import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { WSSecurity } from 'soap';
import { DEFAULT_ERP_USER, PAGE_NAMES, type PageName, type PageRecord } from '../../../emulators/erp-soap/index.js';
import { call, envelope, faultOf, gzip, pageClient, rawFault, startErp, T0, type ParsedFault, type Started } from './testkit.js';

let started: Started;
let before: Record<PageName, readonly PageRecord[]>;

const everything = () =>
  Object.fromEntries(PAGE_NAMES.map((page) => [page, started.erp.snapshot(page)])) as Record<PageName, readonly PageRecord[]>;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
  started = await startErp();
  before = everything();
});
afterAll(async () => {
  // Nothing below may have changed a record.
  expect(everything()).toEqual(before);
  await started.erp.close();
  vi.useRealTimers();
});

const DENIED = 'The security token could not be authenticated or authorized.';
const clientFault = (faultstring: string, detail: string): ParsedFault => ({
  status: 500,
  contentType: 'text/xml; charset=utf-8',
  faultcode: 'soap:Client',
  faultstring,
  detail,
});
const createCustomer = { Customer: { Name: 'Mallory Attacker' } };

describe('WS-Security UsernameToken', () => {
  test('PasswordDigest and PasswordText with the right password are accepted', async () => {
    for (const passwordType of ['PasswordDigest', 'PasswordText'] as const) {
      const client = await pageClient(
        started.erp,
        'Customer',
        new WSSecurity(DEFAULT_ERP_USER.username, DEFAULT_ERP_USER.password, { passwordType, hasNonce: true }),
      );
      expect(await call(client, 'Read', { No: 'C00001' })).toEqual({ Customer: before.Customer[0] });
    }
  });

  test('a wrong password, an unknown user and a missing header are Client faults', async () => {
    const wrong = await pageClient(
      started.erp,
      'Customer',
      new WSSecurity('INTERCHANGE', 'guess', { passwordType: 'PasswordDigest', hasNonce: true }),
    );
    expect(await faultOf(call(wrong, 'Create', createCustomer))).toEqual(clientFault(DENIED, 'The username or password is incorrect.'));
    const stranger = await pageClient(
      started.erp,
      'Customer',
      new WSSecurity('MALLORY', 'emulator-password', { passwordType: 'PasswordText', hasNonce: true }),
    );
    expect(await faultOf(call(stranger, 'Create', createCustomer))).toEqual(clientFault(DENIED, 'The username or password is incorrect.'));
    const anonymous = await pageClient(started.erp, 'Customer', null);
    expect(await faultOf(call(anonymous, 'Create', createCustomer))).toEqual(
      clientFault(DENIED, 'The message has no WS-Security header (wsse:Security).'),
    );
  });

  test('a PasswordDigest replayed with the same nonce is refused', async () => {
    const token = new WSSecurity(DEFAULT_ERP_USER.username, DEFAULT_ERP_USER.password, {
      passwordType: 'PasswordDigest',
      hasNonce: true,
    }).toXML();
    const client = await pageClient(started.erp, 'Customer', { toXML: () => token });
    expect(await call(client, 'Read', { No: 'C00002' })).toEqual({ Customer: before.Customer[1] });
    expect(await faultOf(call(client, 'Create', createCustomer))).toEqual(
      clientFault(DENIED, 'The nonce has already been used (replayed request).'),
    );
  });

  test('a Created older than 5 minutes, or more than a minute ahead, is refused', async () => {
    const client = await pageClient(started.erp, 'Customer');
    started.clock.now = T0 + 5 * 60_000 + 1_000;
    expect(await faultOf(call(client, 'Create', createCustomer))).toEqual(
      clientFault(DENIED, 'The UsernameToken is too old: Created 2026-03-02T09:30:00Z is more than 300 s ago.'),
    );
    started.clock.now = T0 - 61_000;
    expect(await faultOf(call(client, 'Create', createCustomer))).toEqual(
      clientFault(DENIED, "The UsernameToken's Created 2026-03-02T09:30:00Z is in the future."),
    );
    started.clock.now = T0 + 4 * 60_000;
    expect(await call(client, 'Read', { No: 'C00001' })).toEqual({ Customer: before.Customer[0] });
    started.clock.now = T0;
  });
});

describe('hostile payloads', () => {
  const create = (name: string) => `<tns:Create><tns:Customer><tns:Name>${name}</tns:Name></tns:Customer></tns:Create>`;
  const createAction = { soapaction: '"urn:microsoft-dynamics-schemas/page/customer:Create"' };

  test('XXE: a DOCTYPE with an external entity is refused before any processing', async () => {
    const body = envelope('Customer', create('&xxe;')).replace(
      '<soap:Envelope',
      '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><soap:Envelope',
    );
    expect(await rawFault(started.erp, 'Customer', body, createAction)).toEqual(
      clientFault(
        'For security reasons DTD is prohibited in this XML document.',
        'For security reasons DTD is prohibited in this XML document.',
      ),
    );
  });

  test('billion laughs is refused the same way', async () => {
    const entities = Array.from({ length: 9 }, (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level};`.repeat(10)}">`).join('');
    const body =
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${entities}]>` +
      envelope('Customer', create('&lol9;')).replace(/^<\?xml[^>]*\?>/, '');
    const fault = await rawFault(started.erp, 'Customer', body, createAction);
    expect([fault.status, fault.faultcode, fault.faultstring]).toEqual([
      500,
      'soap:Client',
      'For security reasons DTD is prohibited in this XML document.',
    ]);
  });

  test('a body over 1 MiB is refused', async () => {
    const body = envelope('Customer', create('A'.repeat(1024 * 1024)));
    expect(await rawFault(started.erp, 'Customer', body, createAction)).toEqual(
      clientFault(
        'The request is larger than the maximum of 1048576 bytes (counted after decompression).',
        'The request is larger than the maximum of 1048576 bytes (counted after decompression).',
      ),
    );
  });

  test('a gzip bomb is refused once its inflated size passes the cap', async () => {
    const bomb = gzip(envelope('Customer', create(' '.repeat(64 * 1024 * 1024))));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const fault = await rawFault(started.erp, 'Customer', bomb, { ...createAction, 'content-encoding': 'gzip' });
    expect([fault.status, fault.faultcode, fault.faultstring]).toEqual([
      500,
      'soap:Client',
      'The request is larger than the maximum of 1048576 bytes (counted after decompression).',
    ]);
  });

  test('a small gzipped request is inflated and served', async () => {
    const body = gzip(envelope('Customer', '<tns:Read><tns:No>C00001</tns:No></tns:Read>'));
    const response = await fetch(started.erp.pageUrl('Customer'), {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: '"urn:microsoft-dynamics-schemas/page/customer:Read"',
        'content-encoding': 'gzip',
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<No>C00001</No>`);
  });

  test('malformed XML is a Client fault, not soap\'s faultcode "500"', async () => {
    const fault = await rawFault(started.erp, 'Customer', envelope('Customer', '<tns:Read><tns:No>C00001</tns:Read>'));
    expect([fault.status, fault.contentType, fault.faultcode, fault.faultstring]).toEqual([
      500,
      'text/xml; charset=utf-8',
      'soap:Client',
      'The request is not well-formed XML.',
    ]);
    expect(fault.detail).toMatch(/Unexpected close tag/);
  });

  test('a SOAPAction that does not match the body, and an operation the page lacks, are Client faults', async () => {
    const mismatch = await rawFault(started.erp, 'Customer', envelope('Customer', create('X')), {
      soapaction: '"urn:microsoft-dynamics-schemas/page/customer:Delete"',
    });
    expect(mismatch.faultstring).toBe(
      'The SOAPAction "urn:microsoft-dynamics-schemas/page/customer:Delete" does not match the Create request of the Customer page.',
    );
    const readOnly = await rawFault(
      started.erp,
      'PostedSalesInvoice',
      envelope('PostedSalesInvoice', '<tns:Delete><tns:Key>x</tns:Key></tns:Delete>'),
      {
        soapaction: '',
      },
    );
    expect(readOnly.faultstring).toBe('The operation Delete is not available on the PostedSalesInvoice page.');
  });
});
