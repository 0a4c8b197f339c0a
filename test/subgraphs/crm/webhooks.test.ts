import { describe, expect, it } from 'vitest';
import { signatureProblem } from '../../kit/signatures.js';
import { PayloadError } from '../../../platform/index.js';
import { signHubSpotPayload, toHubSpotVendorEvent, verifyHubSpotSignature } from '../../../subgraphs/crm/webhooks.js';

const SECRET = 'client-secret';
const NOW = Date.UTC(2026, 10, 30, 4, 0, 0);
const URL_ = 'https://api.example.test/webhooks/hubspot?portal=1';
const event = {
  eventId: 42,
  subscriptionId: 7,
  portalId: 1,
  appId: 2,
  occurredAt: NOW - 1000,
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId: 1001,
  changeSource: 'CRM_UI',
  propertyName: 'firstname',
  propertyValue: 'Ada',
};
const payload = JSON.stringify([event]);

const verify = (overrides: Partial<Parameters<typeof verifyHubSpotSignature>[0]> = {}) => {
  const headers = signHubSpotPayload({ url: URL_, payload, secret: SECRET, timestamp: NOW });
  verifyHubSpotSignature({
    method: 'POST',
    url: URL_,
    rawBody: payload,
    signature: headers['x-hubspot-signature-v3'],
    timestamp: headers['x-hubspot-request-timestamp'],
    secrets: [SECRET],
    now: () => NOW,
    ...overrides,
  });
};

describe('verifyHubSpotSignature (v3)', () => {
  it('accepts a signature over method, full URI, body and millisecond timestamp, with any configured secret', () => {
    expect(signatureProblem(() => verify())).toBeUndefined();
    expect(signatureProblem(() => verify({ secrets: ['old-secret', SECRET] }))).toBeUndefined();
  });

  it('refuses a different URI, method or body', () => {
    expect(signatureProblem(() => verify({ url: 'https://api.example.test/webhooks/hubspot' }))).toBe('mismatch');
    expect(signatureProblem(() => verify({ method: 'PUT' }))).toBe('mismatch');
    expect(signatureProblem(() => verify({ rawBody: payload.replace('Ada', 'Eve') }))).toBe('mismatch');
  });

  it('refuses timestamps older than five minutes, and seconds where milliseconds are due', () => {
    expect(signatureProblem(() => verify({ now: () => NOW + 300_001 }))).toBe('stale');
    expect(signatureProblem(() => verify({ now: () => NOW + 300_000 }))).toBeUndefined();
    expect(signatureProblem(() => verify({ timestamp: String(NOW / 1000) }))).toBe('stale');
    expect(signatureProblem(() => verify({ timestamp: 'yesterday' }))).toBe('malformed');
    expect(signatureProblem(() => verify({ signature: undefined }))).toBe('missing');
  });
});

describe('toHubSpotVendorEvent', () => {
  it('keys a property change by object and property, so changes of different properties never overtake each other', () => {
    expect(toHubSpotVendorEvent(event)).toEqual({
      vendor: 'hubspot',
      id: '42',
      type: 'contact.propertyChange',
      entity: 'contact:1001:firstname',
      occurredAt: new Date(NOW - 1000),
      payload: event,
      state: { value: 'Ada' },
      change: {
        kind: 'CustomerChanged',
        source: 'hubspot',
        occurredAt: new Date(NOW - 1000).toISOString(),
        fields: { firstname: 'Ada' },
        tags: ['Customer:1001'],
      },
    });
  });

  it('maps deletions and other object types, and refuses unknown ones', () => {
    expect(toHubSpotVendorEvent({ ...event, subscriptionType: 'deal.deletion', propertyName: undefined }).change).toMatchObject({
      kind: 'DealDeleted',
      tags: ['Deal:1001'],
    });
    expect(() => toHubSpotVendorEvent({ ...event, subscriptionType: 'ticket.creation' })).toThrow(PayloadError);
  });
});

describe('catch-up over search, per object type', () => {
  it('reads contacts, companies and deals modified since each one’s mark, and goes on from a contacts-only cursor', async () => {
    const { Client } = await import('@hubspot/api-client');
    const { createHubSpotEmulator } = await import('../../../emulators/hubspot/index.js');
    const { createHubSpotAdapter } = await import('../../../subgraphs/crm/webhooks.js');
    // Search sees writes at once here; the e2e catch-up test keeps HubSpot's indexing lag on.
    const hubspot = createHubSpotEmulator({ searchLagMs: 0, searchPerSecond: 0 });
    const url = await hubspot.listen(0);
    try {
      const sdk = new Client({ accessToken: 'pat-emulator', basePath: url });
      const adapter = createHubSpotAdapter({ api: { baseUrl: url, accessToken: 'pat-emulator' }, skewMs: 0, searchIntervalMs: 0 });
      const first = await adapter.catchUp!(null);
      const marks = JSON.parse(first.cursor!) as Record<string, number>;
      expect(Object.keys(marks).sort()).toEqual(['companies', 'contacts', 'deals']);

      const company = (await sdk.crm.companies.basicApi.getPage(1)).results[0]!;
      const deal = (await sdk.crm.deals.basicApi.getPage(1)).results[0]!;
      await sdk.crm.companies.basicApi.update(company.id, { properties: { name: 'Caught Up Co' } });
      await sdk.crm.deals.basicApi.update(deal.id, { properties: { dealname: 'Caught Up Deal' } });
      const second = await adapter.catchUp!(first.cursor);
      const byEntity = new Map(second.events.map((event) => [event.entity, event]));
      expect(byEntity.get(`company:${company.id}:name`)).toMatchObject({
        type: 'company.propertyChange',
        state: { value: 'Caught Up Co' },
        change: { kind: 'CompanyChanged', tags: [`Company:${company.id}`] },
      });
      expect(byEntity.get(`deal:${deal.id}:dealname`)).toMatchObject({
        change: { kind: 'DealChanged', fields: { dealname: 'Caught Up Deal' }, tags: [`Deal:${deal.id}`] },
      });
      expect(second.events.some((event) => event.entity.startsWith('contact:'))).toBe(false);

      // The contacts-only reader's cursor (a bare mark) starts every type there.
      const legacy = await adapter.catchUp!(String(Date.parse(String(company.updatedAt)) - 1));
      expect(legacy.events.some((event) => event.entity === `company:${company.id}:name`)).toBe(true);
    } finally {
      await hubspot.close();
    }
  });
});
