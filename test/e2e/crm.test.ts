import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack;
const hubspot = () => stack.emulators.hubspot!.requests;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());
beforeEach(() => hubspot().clear());

type CustomerPage = {
  customers: {
    edges: Array<{ cursor: string; node: { id: string; email: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

describe('customers through the gateway', () => {
  it('returns 50 customers with their company and deals in at most 4 HubSpot requests', async () => {
    const result = await stack.query<{
      customers: {
        nodes: Array<{
          id: string;
          company: { id: string; name: string } | null;
          deals: { nodes: Array<{ id: string; amount: { amount: number; currency: string } | null }> };
        }>;
      };
    }>(`{
      customers(first: 50) {
        nodes { id company { id name } deals(first: 5) { nodes { id name stage amount { amount currency formatted } } } }
      }
    }`);
    expect(result.errors).toBeUndefined();
    const customers = result.data!.customers.nodes;
    expect(customers).toHaveLength(50);
    // Every seeded contact works somewhere, and the company is the one HubSpot associates.
    const store = stack.emulators.hubspot!.store;
    for (const customer of customers) {
      expect(customer.company).not.toBeNull();
      expect(customer.company!.name).toBe(store.get('companies', customer.company!.id)?.properties.name);
    }
    expect(customers.some((customer) => customer.deals.nodes.length > 0)).toBe(true);
    expect(hubspot().count()).toBeLessThanOrEqual(4);
  });

  it('pages through every seeded customer exactly once with `after`', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const result: Awaited<ReturnType<typeof stack.query<CustomerPage>>> = await stack.query<CustomerPage>(
        'query Page($after: String) { customers(first: 100, after: $after) { edges { cursor node { id email } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(result.errors).toBeUndefined();
      const page = result.data!.customers;
      seen.push(...page.edges.map((edge) => edge.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 50);
    const total = [...stack.emulators.hubspot!.store.all('contacts')].length;
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(hubspot().count()).toBe(pages);
  });

  it('resumes right after any edge, not only the last one', async () => {
    const first = await stack.query<CustomerPage>(
      '{ customers(first: 10) { edges { cursor node { id email } } pageInfo { hasNextPage endCursor } } }',
    );
    const edges = first.data!.customers.edges;
    const resumed = await stack.query<CustomerPage>(
      'query($after: String) { customers(first: 3, after: $after) { edges { cursor node { id email } } pageInfo { hasNextPage endCursor } } }',
      { after: edges[4]!.cursor },
    );
    expect(resumed.data!.customers.edges.map((edge) => edge.node.id)).toEqual(edges.slice(5, 8).map((edge) => edge.node.id));
  });

  it('refuses a cursor it did not give out, naming the argument', async () => {
    const result = await stack.query('{ customers(first: 5, after: "not-a-cursor") { nodes { id } } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('filters by free text and by email through HubSpot search', async () => {
    const store = stack.emulators.hubspot!.store;
    const contact = [...store.all('contacts')][123]!;
    const byEmail = await stack.query<{ customers: { nodes: Array<{ id: string }>; totalCount: number } }>(
      'query($email: EmailAddress) { customers(first: 5, filter: { email: $email }) { nodes { id } totalCount } }',
      { email: contact.properties.email!.toUpperCase() },
    );
    expect(byEmail.errors).toBeUndefined();
    expect(byEmail.data!.customers).toEqual({ nodes: [{ id: contact.id }], totalCount: 1 });
    expect(hubspot().count({ path: '/crm/v3/objects/contacts/search' })).toBe(1);
  });

  it('filters by company through the association search filter', async () => {
    const store = stack.emulators.hubspot!.store;
    const company = [...store.all('companies')][11]!;
    const expected = store
      .associations('companies', company.id, 'contacts')
      .map((edge) => edge.toId)
      .sort();
    const result = await stack.query<{ customers: { nodes: Array<{ id: string; company: { id: string } }>; totalCount: number } }>(
      'query($companyId: ID) { customers(first: 100, filter: { companyId: $companyId }) { nodes { id company { id } } totalCount } }',
      { companyId: company.id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.customers.nodes.map((node) => node.id).sort()).toEqual(expected);
    expect(result.data!.customers.totalCount).toBe(expected.length);
  });
});

describe('single customers', () => {
  it('resolves a customer by email', async () => {
    const contact = [...stack.emulators.hubspot!.store.all('contacts')][7]!;
    const result = await stack.query<{ customerByEmail: { id: string; firstName: string; email: string } }>(
      'query($email: EmailAddress!) { customerByEmail(email: $email) { id firstName email } }',
      { email: contact.properties.email },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.customerByEmail).toEqual({
      id: contact.id,
      firstName: contact.properties.firstname,
      email: contact.properties.email,
    });
  });

  it('reads one customer with its company and deals in the same HubSpot call, and a missing email as NOT_FOUND', async () => {
    const contact = [...stack.emulators.hubspot!.store.all('contacts')].at(-3)!;
    const result = await stack.query<{ customerByEmail: { id: string; company: { id: string } | null; deals: { nodes: unknown[] } } }>(
      `query($email: EmailAddress!) {
        customerByEmail(email: $email) { id company { id customers(first: 3) { nodes { id } } } deals(first: 3) { nodes { id name } } }
      }`,
      { email: contact.properties.email },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.customerByEmail.id).toBe(contact.id);
    expect(result.data!.customerByEmail.company).not.toBeNull();
    // The contact's companies and deals came inline with it (GET ...?associations=companies,deals&idProperty=email):
    // following them cost no call to the associations API.
    expect(hubspot().count({ method: 'GET', path: `/crm/v3/objects/contacts/${encodeURIComponent(contact.properties.email!)}` })).toBe(1);
    expect(hubspot().count({ path: /^\/crm\/v4\/associations\/contacts\// })).toBe(0);

    const missing = await stack.query('{ customerByEmail(email: "nobody-at-all@example.com") { id } }');
    expect(missing.data).toEqual({ customerByEmail: null });
    expect(missing.errors![0]).toMatchObject({ path: ['customerByEmail'], extensions: { code: 'NOT_FOUND', upstream: 'hubspot' } });
  });

  it('answers a missing id with null and NOT_FOUND, keeping the rest, from one 207 batch read', async () => {
    const contact = [...stack.emulators.hubspot!.store.all('contacts')][0]!;
    const result = await stack.query<{ found: { id: string } | null; missing: { id: string } | null }>(
      `{ found: customer(id: "${contact.id}") { id } missing: customer(id: "99999999") { id } }`,
    );
    expect(result.data).toEqual({ found: { id: contact.id }, missing: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ path: ['missing'], extensions: { code: 'NOT_FOUND', upstream: 'hubspot' } });
    const batch = hubspot().list({ path: '/crm/v3/objects/contacts/batch/read' });
    expect(batch).toHaveLength(1);
    expect(batch[0]!.status).toBe(207);
  });
});

describe('customer mutations', () => {
  it('creates a customer in a company and reads it back', async () => {
    const company = [...stack.emulators.hubspot!.store.all('companies')][3]!;
    const result = await stack.query<{ createCustomer: { id: string; email: string; displayName: string; company: { id: string } } }>(
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id email displayName company { id } } }`,
      { input: { email: 'New.Person@Example.com', firstName: 'New', lastName: 'Person', country: 'DE', companyId: company.id } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.createCustomer).toMatchObject({
      email: 'new.person@example.com',
      displayName: 'New Person',
      company: { id: company.id },
    });
    const again = await stack.query(`mutation { createCustomer(input: { email: "new.person@example.com" }) { id } }`);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', upstream: 'hubspot' });
  });

  it('rejects invalid input with BAD_USER_INPUT naming the field, before calling HubSpot', async () => {
    const result = await stack.query(`mutation { createCustomer(input: { email: "a.b@example.com", country: "Germany" }) { id } }`);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.country' });
    const badEmail = await stack.query('mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }', {
      input: { email: 'not-an-email' },
    });
    expect(badEmail.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(badEmail.errors?.[0]?.message).toMatch(/email/i);
    expect(hubspot().count({ method: 'POST', path: '/crm/v3/objects/contacts' })).toBe(0);
  });

  it('updates a customer and returns the new values', async () => {
    const contact = [...stack.emulators.hubspot!.store.all('contacts')][42]!;
    const result = await stack.query<{ updateCustomer: { id: string; jobTitle: string; city: string | null } }>(
      `mutation($id: ID!) { updateCustomer(id: $id, input: { jobTitle: "Chief Integrations Officer", city: null }) { id jobTitle city } }`,
      { id: contact.id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateCustomer).toEqual({ id: contact.id, jobTitle: 'Chief Integrations Officer', city: null });
  });
});
