// HubSpot's CRM objects as this subgraph reads them, and the properties it asks for per object type.

/** A CRM object as the HubSpot API returns it (contacts, companies and deals share the shape). */
export type HubSpotObject = {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date | string;
  updatedAt: Date | string;
  archived?: boolean;
};

export const CONTACT_PROPERTIES = [
  'email',
  'firstname',
  'lastname',
  'phone',
  'jobtitle',
  'city',
  'country',
  'erp_customer_no',
  'createdate',
  'lastmodifieddate',
];
export const COMPANY_PROPERTIES = [
  'name',
  'domain',
  'industry',
  'city',
  'country',
  'numberofemployees',
  'createdate',
  'hs_lastmodifieddate',
];
export const DEAL_PROPERTIES = [
  'dealname',
  'amount',
  'deal_currency_code',
  'dealstage',
  'pipeline',
  'closedate',
  'createdate',
  'hs_lastmodifieddate',
];
