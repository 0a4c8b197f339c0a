import type { FieldRule, SyncRules, System } from './rules.js';

/**
 * Pure conversions between the three systems' customer records and the rules' fields: what the gateway's
 * snapshot query answers, what a vendor's change event names, and what each sync mutation takes.
 */

/** One customer as the gateway answers SNAPSHOT_QUERY: the CRM contact with its Stripe customer and ERP card. */
export type CustomerSnapshot = {
  id: string;
  email: string | null;
  erpCustomerNumber: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  jobTitle: string | null;
  city: string | null;
  country: string | null;
  billing: {
    id: string;
    name: string | null;
    email: string | null;
    phone: string | null;
    address: Record<string, string | null> | null;
    metadata: Record<string, string>;
  } | null;
  account: {
    number: string;
    version: string;
    name: string | null;
    email: string | null;
    phone: string | null;
    address: string | null;
    city: string | null;
    countryCode: string | null;
    currency: string | null;
    creditLimit: string | null;
  } | null;
};

const CUSTOMER_SELECTION = `id email erpCustomerNumber firstName lastName phone jobTitle city country
  billing { id name email phone metadata address { line1 line2 city postalCode state country } }
  account { number version name email phone address city countryCode currency creditLimit }`;

/** Every field sync compares, of one customer, in one gateway request (the three systems joined by the gateway). */
export const SNAPSHOT_QUERY = `query SyncSnapshot($id: ID!) { customer(id: $id) { ${CUSTOMER_SELECTION} } }`;
/**
 * The same for several customers (1 to 100) in one gateway request, in the order of the ids (null where the CRM
 * has no contact). One list field, so the gateway joins all of them at once: one HubSpot batch read, the Stripe
 * searches and one ERP ReadMultiple for the whole list.
 */
export const SNAPSHOTS_QUERY = `query SyncSnapshots($ids: [ID!]!) { customersById(ids: $ids) { ${CUSTOMER_SELECTION} } }`;
/** A page of customers with the same fields, for the audit. */
export const SNAPSHOT_PAGE_QUERY = `query SyncAuditPage($first: Int!, $after: String) {
  customers(first: $first, after: $after) { pageInfo { hasNextPage endCursor } totalCount nodes { ${CUSTOMER_SELECTION} } }
}`;
/** The contact of a Stripe customer's email. */
export const CONTACT_BY_EMAIL_QUERY = `query SyncContact($email: EmailAddress!) { customerByEmail(email: $email) { id } }`;

/** HubSpot property -> the CRM schema's Customer field. */
const HUBSPOT_FIELDS: Record<string, keyof CustomerSnapshot> = {
  firstname: 'firstName',
  lastname: 'lastName',
  email: 'email',
  phone: 'phone',
  jobtitle: 'jobTitle',
  city: 'city',
  country: 'country',
};
/** ERP Customer page field -> the ERP schema's ErpAccount field. */
const ERP_FIELDS: Record<string, keyof NonNullable<CustomerSnapshot['account']>> = {
  Name: 'name',
  E_Mail: 'email',
  Phone_No: 'phone',
  Address: 'address',
  City: 'city',
  Country_Region_Code: 'countryCode',
  Currency_Code: 'currency',
  Credit_Limit_LCY: 'creditLimit',
};
/** Stripe address part -> the payments schema's BillingAddress field. */
const STRIPE_ADDRESS: Record<string, string> = {
  line1: 'line1',
  line2: 'line2',
  city: 'city',
  postal_code: 'postalCode',
  state: 'state',
  country: 'country',
};

/** A value as compared: trimmed text, empty as null, codes upper-cased, emails lower-cased, decimals as numbers. */
export function normalize(field: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (text === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return String(Number(text));
  if (field === 'email') return text.toLowerCase();
  if (field === 'country' || field === 'currency') return text.toUpperCase();
  return text;
}

/** The value of one vendor field in the snapshot; undefined when the system has no record for the customer. */
function vendorValue(snapshot: CustomerSnapshot, system: System, name: string): string | null | undefined {
  if (system === 'hubspot') {
    const field = HUBSPOT_FIELDS[name];
    return field ? ((snapshot[field] as string | null) ?? null) : undefined;
  }
  if (system === 'stripe') {
    const billing = snapshot.billing;
    if (!billing) return undefined;
    if (name.startsWith('metadata.')) return billing.metadata[name.slice('metadata.'.length)] ?? null;
    if (name.startsWith('address.')) return billing.address?.[STRIPE_ADDRESS[name.slice('address.'.length)] ?? ''] ?? null;
    return (billing[name as 'name' | 'email' | 'phone'] as string | null | undefined) ?? null;
  }
  const account = snapshot.account;
  if (!account) return undefined;
  const field = ERP_FIELDS[name];
  return field ? (account[field] ?? null) : undefined;
}

/** A rule field's value in one system (several HubSpot properties joined with a space); undefined: no record. */
export function fieldValue(snapshot: CustomerSnapshot, rule: FieldRule, system: System): string | null | undefined {
  const names = rule.names[system];
  if (!names) return undefined;
  const parts = names.map((name) => vendorValue(snapshot, system, name));
  if (parts.some((part) => part === undefined)) return undefined;
  if (parts.length === 1) return normalize(rule.field, parts[0]);
  return normalize(rule.field, parts.filter((part) => part).join(' '));
}

/**
 * The rule fields a vendor change event names, with the values it reports (vendor field names as in the event:
 * HubSpot properties, Stripe's top-level customer fields with address and metadata as objects, ERP page fields).
 * Fields no rule shares are left out. A field with several HubSpot properties is reported without a value.
 */
export function changedFields(rules: SyncRules, system: System, fields: Record<string, unknown>): Map<string, string | null | undefined> {
  const flat = new Map<string, unknown>();
  for (const [key, value] of Object.entries(fields)) {
    if (system === 'stripe' && (key === 'address' || key === 'metadata')) {
      const object = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
      if (key === 'address') for (const part of Object.keys(STRIPE_ADDRESS)) flat.set(`address.${part}`, object[part] ?? null);
      else for (const [metaKey, metaValue] of Object.entries(object)) flat.set(`metadata.${metaKey}`, metaValue);
    } else flat.set(key, value);
  }
  const changed = new Map<string, string | null | undefined>();
  for (const rule of rules.fields) {
    const names = rule.names[system];
    if (!names || !names.some((name) => flat.has(name))) continue;
    changed.set(rule.field, names.length === 1 ? normalize(rule.field, flat.get(names[0]!)) : undefined);
  }
  return changed;
}

/** Values to write, by rule field, as one system's sync mutation input (without its ids and keys). */
export function toMutationInput(rules: SyncRules, system: System, values: ReadonlyMap<string, string | null>, snapshot: CustomerSnapshot) {
  const input: Record<string, unknown> = {};
  const address: Record<string, string | null> = {};
  const metadata: Record<string, string> = {};
  for (const [field, value] of values) {
    const rule = rules.fields.find((candidate) => candidate.field === field)!;
    const names = rule.names[system] ?? [];
    if (system === 'hubspot') {
      if (names.length > 1) {
        // A joined value splits at the first space: "Ada Lovelace King" -> Ada / Lovelace King.
        const [first = '', ...rest] = (value ?? '').split(' ');
        input[HUBSPOT_FIELDS[names[0]!]!] = first;
        input[HUBSPOT_FIELDS[names[1]!]!] = rest.join(' ');
      } else input[HUBSPOT_FIELDS[names[0]!]!] = value;
    } else if (system === 'erp') input[ERP_FIELDS[names[0]!]!] = value ?? '';
    else {
      const name = names[0]!;
      if (name.startsWith('metadata.')) metadata[name.slice('metadata.'.length)] = value ?? '';
      else if (name.startsWith('address.')) address[STRIPE_ADDRESS[name.slice('address.'.length)]!] = value;
      else input[name] = value ?? '';
    }
  }
  if (Object.keys(address).length > 0) {
    // Stripe replaces the whole address: the parts not written keep what Stripe has.
    const current = snapshot.billing?.address ?? {};
    input.address = Object.fromEntries(
      Object.values(STRIPE_ADDRESS).map((part) => [part, (part in address ? address[part] : current[part]) ?? '']),
    );
  }
  if (Object.keys(metadata).length > 0) input.metadata = metadata;
  return input;
}
