/**
 * The CRM's static shape: object types with their names and ids, property definitions (used for validation,
 * search comparisons and the default property sets) and the HUBSPOT_DEFINED association types.
 */

export type ObjectType = 'contacts' | 'companies' | 'deals';

export const OBJECT_TYPES: readonly ObjectType[] = ['contacts', 'companies', 'deals'];

/** The ids HubSpot gives its standard objects; paths accept them in place of the names. */
const OBJECT_TYPE_IDS: Record<ObjectType, string> = { contacts: '0-1', companies: '0-2', deals: '0-3' };
const SINGULAR: Record<ObjectType, string> = { contacts: 'contact', companies: 'company', deals: 'deal' };

/** Resolves what a path or an `associations` parameter names ('contacts', 'contact', '0-1', any case). */
export function parseObjectType(name: string): ObjectType | undefined {
  const lower = name.toLowerCase();
  return OBJECT_TYPES.find((type) => type === lower || SINGULAR[type] === lower || OBJECT_TYPE_IDS[type] === lower);
}

export function singular(type: ObjectType): string {
  return SINGULAR[type];
}

export type PropertyType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';

export type PropertyDefinition = {
  name: string;
  type: PropertyType;
  /** Allowed values of an enumeration. */
  options?: readonly string[];
  /** Values are checked to look like an email address. */
  email?: boolean;
  /** Can be used as `idProperty` (HubSpot's "hasUniqueValue"). */
  unique?: boolean;
  /** Set by the CRM itself; writes are refused. */
  readOnly?: boolean;
};

const DEAL_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'closedwon',
  'closedlost',
] as const;
export { DEAL_STAGES };

function defs(list: PropertyDefinition[]): ReadonlyMap<string, PropertyDefinition> {
  return new Map(list.map((definition) => [definition.name, definition]));
}

const COMMON: PropertyDefinition[] = [
  { name: 'hs_object_id', type: 'number', unique: true, readOnly: true },
  { name: 'createdate', type: 'datetime' },
];

export const PROPERTIES: Record<ObjectType, ReadonlyMap<string, PropertyDefinition>> = {
  contacts: defs([
    ...COMMON,
    { name: 'lastmodifieddate', type: 'datetime', readOnly: true },
    { name: 'firstname', type: 'string' },
    { name: 'lastname', type: 'string' },
    { name: 'email', type: 'string', email: true, unique: true },
    { name: 'phone', type: 'string' },
    { name: 'jobtitle', type: 'string' },
    { name: 'city', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'company', type: 'string' },
    // A custom property in a real portal; marked unique so the ERP number can be an idProperty.
    { name: 'erp_customer_no', type: 'string', unique: true },
  ]),
  companies: defs([
    ...COMMON,
    { name: 'hs_lastmodifieddate', type: 'datetime', readOnly: true },
    { name: 'name', type: 'string' },
    { name: 'domain', type: 'string' },
    { name: 'industry', type: 'string' },
    { name: 'city', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'phone', type: 'string' },
    { name: 'numberofemployees', type: 'number' },
  ]),
  deals: defs([
    ...COMMON,
    { name: 'hs_lastmodifieddate', type: 'datetime', readOnly: true },
    { name: 'dealname', type: 'string' },
    { name: 'amount', type: 'number' },
    { name: 'deal_currency_code', type: 'enumeration', options: ['EUR', 'USD', 'GBP'] },
    { name: 'dealstage', type: 'enumeration', options: DEAL_STAGES },
    { name: 'pipeline', type: 'enumeration', options: ['default'] },
    { name: 'closedate', type: 'datetime' },
  ]),
};

/** The property that records the last change; HubSpot names it differently on contacts. */
export const LAST_MODIFIED: Record<ObjectType, string> = {
  contacts: 'lastmodifieddate',
  companies: 'hs_lastmodifieddate',
  deals: 'hs_lastmodifieddate',
};

/** Returned when a request names no properties. */
export const DEFAULT_PROPERTIES: Record<ObjectType, readonly string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
};

/** HubSpot adds these to every answer even when `properties` names others. */
export const ALWAYS_RETURNED: Record<ObjectType, readonly string[]> = {
  contacts: ['createdate', 'hs_object_id', 'lastmodifieddate'],
  companies: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  deals: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** What the search `query` looks in (HubSpot's "default searchable properties", reduced to the ones we have). */
export const SEARCHABLE: Record<ObjectType, readonly string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company'],
  companies: ['name', 'domain', 'phone'],
  deals: ['dealname', 'pipeline', 'dealstage'],
};

export type AssociationTypeSpec = { typeId: number; label: string | null; name: string };

type Pair = `${ObjectType}->${ObjectType}`;

/**
 * HUBSPOT_DEFINED type ids per direction: the unlabeled one every association has, and the primary one that
 * only the primary company of a contact or deal carries. Labels of the primary types are HubSpot's
 * (unverified wording); the unlabeled ones have label null as on the real API.
 */
export const ASSOCIATION_TYPES: Partial<Record<Pair, { unlabeled: AssociationTypeSpec; primary?: AssociationTypeSpec }>> = {
  'contacts->companies': {
    unlabeled: { typeId: 279, label: null, name: 'contact_to_company_unlabeled' },
    primary: { typeId: 1, label: 'Primary', name: 'contact_to_company' },
  },
  'companies->contacts': {
    unlabeled: { typeId: 280, label: null, name: 'company_to_contact_unlabeled' },
    primary: { typeId: 2, label: 'Primary', name: 'company_to_contact' },
  },
  'deals->contacts': { unlabeled: { typeId: 3, label: null, name: 'deal_to_contact' } },
  'contacts->deals': { unlabeled: { typeId: 4, label: null, name: 'contact_to_deal' } },
  'deals->companies': {
    unlabeled: { typeId: 341, label: null, name: 'deal_to_company_unlabeled' },
    primary: { typeId: 5, label: 'Primary', name: 'deal_to_company' },
  },
  'companies->deals': {
    unlabeled: { typeId: 342, label: null, name: 'company_to_deal_unlabeled' },
    primary: { typeId: 6, label: 'Primary', name: 'company_to_deal' },
  },
};

export function associationTypes(from: ObjectType, to: ObjectType, primary: boolean): AssociationTypeSpec[] {
  const spec = ASSOCIATION_TYPES[`${from}->${to}`];
  if (!spec) return [];
  return primary && spec.primary ? [spec.primary, spec.unlabeled] : [spec.unlabeled];
}

/** The "primary" side of a pair: a contact or deal has one primary company. */
export function hasPrimary(from: ObjectType, to: ObjectType): boolean {
  return ASSOCIATION_TYPES[`${from}->${to}`]?.primary !== undefined;
}
