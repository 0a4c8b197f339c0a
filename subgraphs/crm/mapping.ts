/**
 * HubSpot objects -> schema types, and schema input -> HubSpot properties. Pure: no I/O, no clock.
 * HubSpot property values are always strings or null; everything typed here is parsed from them.
 */
import { moneyFromDecimal, type Money } from '../kit/index.js';
import type { CustomerFilter, DealStage } from './__generated__/resolvers.js';

/** A CRM object as the HubSpot API returns it (contacts, companies and deals share the shape). */
export type HubSpotObject = {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date | string;
  updatedAt: Date | string;
  archived?: boolean;
};

export const CONTACT_PROPERTIES = ['email', 'firstname', 'lastname', 'phone', 'jobtitle', 'city', 'country', 'erp_customer_no', 'createdate', 'lastmodifieddate'];
export const COMPANY_PROPERTIES = ['name', 'domain', 'industry', 'city', 'country', 'numberofemployees', 'createdate', 'hs_lastmodifieddate'];
export const DEAL_PROPERTIES = ['dealname', 'amount', 'deal_currency_code', 'dealstage', 'pipeline', 'closedate', 'createdate', 'hs_lastmodifieddate'];

/** The Customer fields the CRM resolves from the contact itself; company and deals are resolved by loaders. */
export type CustomerModel = {
  __typename: 'Customer';
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  displayName: string;
  phone: string | null;
  jobTitle: string | null;
  city: string | null;
  country: string | null;
  erpCustomerNumber: string | null;
  createdAt: string;
  updatedAt: string;
};

export type CompanyModel = {
  __typename: 'Company';
  id: string;
  name: string;
  domain: string | null;
  industry: string | null;
  city: string | null;
  country: string | null;
  employees: number | null;
  createdAt: string;
  updatedAt: string;
};

export type DealModel = {
  __typename: 'Deal';
  id: string;
  name: string;
  amount: Money | null;
  stage: DealStage;
  stageId: string;
  pipeline: string | null;
  closeDate: string | null;
  createdAt: string;
  updatedAt: string;
};

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

/** A HubSpot date property (ISO string or epoch ms as a string) as ISO, or null when empty or unreadable. */
export function toIsoDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const text = (value: string | null | undefined): string | null => (value === undefined || value === '' ? null : value);

export function toCustomer(contact: HubSpotObject): CustomerModel {
  const p = contact.properties;
  const firstName = text(p.firstname);
  const lastName = text(p.lastname);
  const email = text(p.email);
  return {
    __typename: 'Customer',
    id: contact.id,
    email,
    firstName,
    lastName,
    displayName: [firstName, lastName].filter(Boolean).join(' ') || email || `Contact ${contact.id}`,
    phone: text(p.phone),
    jobTitle: text(p.jobtitle),
    city: text(p.city),
    country: text(p.country),
    erpCustomerNumber: text(p.erp_customer_no),
    createdAt: iso(contact.createdAt),
    updatedAt: iso(contact.updatedAt),
  };
}

export function toCompany(company: HubSpotObject): CompanyModel {
  const p = company.properties;
  const employees = p.numberofemployees ? Number.parseInt(p.numberofemployees, 10) : Number.NaN;
  return {
    __typename: 'Company',
    id: company.id,
    name: text(p.name) ?? `Company ${company.id}`,
    domain: text(p.domain),
    industry: text(p.industry),
    city: text(p.city),
    country: text(p.country),
    employees: Number.isFinite(employees) ? employees : null,
    createdAt: iso(company.createdAt),
    updatedAt: iso(company.updatedAt),
  };
}

/** HubSpot's default sales pipeline stage ids; any other id (custom pipelines) is OTHER. */
const STAGES: Record<string, DealStage> = {
  appointmentscheduled: 'APPOINTMENT_SCHEDULED',
  qualifiedtobuy: 'QUALIFIED_TO_BUY',
  presentationscheduled: 'PRESENTATION_SCHEDULED',
  decisionmakerboughtin: 'DECISION_MAKER_BOUGHT_IN',
  contractsent: 'CONTRACT_SENT',
  closedwon: 'CLOSED_WON',
  closedlost: 'CLOSED_LOST',
};

export function toDealStage(stageId: string | null | undefined): DealStage {
  return (stageId && STAGES[stageId]) || 'OTHER';
}

export function toStageId(stage: DealStage): string | null {
  return Object.entries(STAGES).find(([, value]) => value === stage)?.[0] ?? null;
}

/** `defaultCurrency` applies when the deal has no currency of its own (the portal's company currency). */
export function toDeal(deal: HubSpotObject, defaultCurrency: string): DealModel {
  const p = deal.properties;
  return {
    __typename: 'Deal',
    id: deal.id,
    name: text(p.dealname) ?? `Deal ${deal.id}`,
    amount: moneyFromDecimal(p.amount, text(p.deal_currency_code) ?? defaultCurrency),
    stage: toDealStage(p.dealstage),
    stageId: p.dealstage ?? '',
    pipeline: text(p.pipeline),
    closeDate: toIsoDate(p.closedate),
    createdAt: iso(deal.createdAt),
    updatedAt: iso(deal.updatedAt),
  };
}

/** Schema input field -> HubSpot contact property. */
const CONTACT_INPUT_PROPERTIES = {
  email: 'email',
  firstName: 'firstname',
  lastName: 'lastname',
  phone: 'phone',
  jobTitle: 'jobtitle',
  city: 'city',
  country: 'country',
  erpCustomerNumber: 'erp_customer_no',
} as const;

export type ContactInput = Partial<Record<keyof typeof CONTACT_INPUT_PROPERTIES, string | null>>;

/**
 * The HubSpot properties for a create or update: only the fields present in the input; a field given as
 * null becomes "" (HubSpot's way to clear a property). Emails are stored lower-case, as HubSpot matches them.
 */
export function toContactProperties(input: ContactInput): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [field, property] of Object.entries(CONTACT_INPUT_PROPERTIES)) {
    if (!(field in input)) continue;
    const value = input[field as keyof ContactInput];
    if (value === undefined) continue;
    properties[property] = value === null ? '' : field === 'email' ? value.trim().toLowerCase() : value.trim();
  }
  return properties;
}

export type SearchFilter = { propertyName: string; operator: string; value?: string; values?: string[] };

/** A HubSpot search request body for a customer filter: one filter group, every condition ANDed. */
export function toContactSearch(filter: CustomerFilter): { filters: SearchFilter[]; query?: string } {
  const filters: SearchFilter[] = [];
  if (filter.email) filters.push({ propertyName: 'email', operator: 'EQ', value: filter.email.toLowerCase() });
  if (filter.companyId) filters.push({ propertyName: 'associations.company', operator: 'EQ', value: filter.companyId });
  if (filter.updatedSince) {
    filters.push({ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(new Date(filter.updatedSince).getTime()) });
  }
  const query = filter.search?.trim();
  return query ? { filters, query } : { filters };
}
