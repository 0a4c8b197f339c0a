import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../platform/index.js';
import { toCustomer, toDeal, toIsoDate } from '../../../subgraphs/crm/mapping.js';

// Shaped as @hubspot/api-client returns objects: string-or-null properties, Date timestamps.
const contact = {
  id: '1042',
  properties: {
    email: 'ada@example.com',
    firstname: 'Ada',
    lastname: '',
    phone: null,
    jobtitle: 'CTO',
    city: 'Berlin',
    country: 'DE',
    erp_customer_no: 'C00042',
  },
  createdAt: new Date('2025-03-01T10:00:00Z'),
  updatedAt: new Date('2026-01-02T03:04:05Z'),
};

describe('CRM mapping', () => {
  it('maps a contact to a Customer, empty strings as null', () => {
    expect(toCustomer(contact)).toEqual({
      __typename: 'Customer',
      id: '1042',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: null,
      displayName: 'Ada',
      phone: null,
      jobTitle: 'CTO',
      city: 'Berlin',
      country: 'DE',
      erpCustomerNumber: 'C00042',
      createdAt: '2025-03-01T10:00:00.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(toCustomer({ ...contact, properties: { email: 'x@example.com' } }).displayName).toBe('x@example.com');
  });

  it('maps a deal: decimal amount to Money, known and custom stages', () => {
    const deal = {
      id: '9001',
      properties: {
        dealname: 'Renewal',
        amount: '12500.50',
        deal_currency_code: 'EUR',
        dealstage: 'closedwon',
        pipeline: 'default',
        closedate: '2026-02-01T00:00:00Z',
      },
      createdAt: '2025-01-01T00:00:00Z',
      updatedAt: '2025-01-02T00:00:00Z',
    };
    expect(toDeal(deal, 'USD')).toMatchObject({
      amount: { amount: 1250050, currency: 'EUR', formatted: '€12,500.50' },
      stage: 'CLOSED_WON',
      stageId: 'closedwon',
      closeDate: '2026-02-01T00:00:00.000Z',
    });
    const custom = toDeal(
      { ...deal, properties: { ...deal.properties, dealstage: '123456', deal_currency_code: null, amount: '' } },
      'USD',
    );
    expect(custom).toMatchObject({ stage: 'OTHER', stageId: '123456', amount: null });
  });

  it('reads HubSpot dates given as ISO or epoch milliseconds', () => {
    expect(toIsoDate('1700000000000')).toBe('2023-11-14T22:13:20.000Z');
    expect(toIsoDate('2026-01-01')).toBe('2026-01-01T00:00:00.000Z');
    expect(toIsoDate('soon')).toBeNull();
  });
});
