/**
 * Customer input -> HubSpot contact properties, and the checks on that input beyond the schema's scalars
 * (problems name the input field). Pure.
 */
import { z } from 'zod';
import { optionalCountryCode, optionalText as text } from '../kit/index.js';

/** Validates customer input beyond what the schema's scalars check; problems name the input field. */
export const contactInput = z.object({
  email: z.string().trim().max(254).nullish(),
  firstName: text(100),
  lastName: text(100),
  phone: text(40),
  jobTitle: text(200),
  city: text(100),
  country: optionalCountryCode(),
  erpCustomerNumber: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{1,20}$/, 'must be 1 to 20 letters, digits or dashes')
    .nullish(),
  companyId: z.string().regex(/^\d+$/, 'must be a CRM company id').nullish(),
});

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
