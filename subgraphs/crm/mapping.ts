/**
 * HubSpot objects -> schema types: one pure function per type, named for what it returns. No I/O, no clock.
 * HubSpot property values are always strings or null; everything typed here is parsed from them.
 */
import { moneyFromDecimal, type Money } from '../kit/index.js';
import type { DealStage } from './__generated__/resolvers.js';
import type { HubSpotObject } from './wire.js';

/** The Customer fields the CRM resolves from the contact itself; company and deals are crm-relations' (relations.ts). */
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

/**
 * A Customer in crm-relations: the full profile when a relation read the contact (a company's customers), or
 * only the key and the association ids `@requires` brings from `crm` (an entity fetch for company or deals).
 * `undefined` is "not read here", never "empty": a profile field the vendor left empty is `null`.
 */
export type RelatedCustomerModel = Pick<CustomerModel, '__typename' | 'id'> &
  Partial<CustomerModel> & {
    /** The primary company's id (null: no company), when `crm` sent it. */
    companyId?: string | null;
    /** The associated deals' ids in HubSpot's order, when `crm` sent them. */
    dealIds?: readonly string[];
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
