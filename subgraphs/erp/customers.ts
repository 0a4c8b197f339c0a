/**
 * The ERP customer writes (NAV's Customer page: Create, Update of `Blocked`, Delete), each safe to repeat:
 * the onboarding and offboarding sagas of sync/ call them again after a crash without knowing whether the first
 * call landed. NAV's Create takes no idempotency key; the customer number (`No`) is the key instead: the caller
 * chooses it, and a create that finds the number taken by the same email answers that customer as replayed.
 */
import { z } from 'zod';
import { BadUserInputError, ConflictError, NotFoundError, optionalCountryCode, optionalText as text, validInput } from '../kit/index.js';
import type { BlockErpCustomerInput, CreateErpCustomerInput, ErpCustomerBlocked } from './__generated__/resolvers.js';
import type { ErpClient } from './client.js';
import { toCode, toDecimalText } from './input.js';
import { fieldText } from './mapping.js';
import type { NavRecord } from './wire.js';

/** What the mutations answer about an ERP customer. */
export type ErpCustomerModel = {
  erpCustomerNumber: string;
  name: string;
  email: string | null;
  blocked: ErpCustomerBlocked;
  /** blockErpCustomer only: the option before the change (so an offboarding can be undone). */
  previousBlocked?: ErpCustomerBlocked;
  replayed: boolean;
};

/** NAV's Blocked option <-> the schema's enum. */
const BLOCKED: Record<string, ErpCustomerBlocked> = {
  _blank_: 'NONE',
  ' ': 'NONE',
  '': 'NONE',
  Ship: 'SHIP',
  Invoice: 'INVOICE',
  All: 'ALL',
};
const BLOCKED_OPTION: Record<ErpCustomerBlocked, string> = { NONE: '_blank_', SHIP: 'Ship', INVOICE: 'Invoice', ALL: 'All' };

export function toErpCustomer(record: NavRecord, replayed: boolean): ErpCustomerModel {
  const email = fieldText(record, 'E_Mail');
  return {
    erpCustomerNumber: fieldText(record, 'No'),
    name: fieldText(record, 'Name'),
    email: email === '' ? null : email,
    blocked: BLOCKED[fieldText(record, 'Blocked')] ?? 'ALL',
    replayed,
  };
}

/** Checks beyond the schema's scalars; lengths are the Customer page's field lengths. */
const createInput = z.object({
  number: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{1,20}$/, 'must be 1 to 20 letters, digits or dashes'),
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  email: z.string().trim().max(80, 'must be at most 80 characters').nullish(),
  phone: text(30),
  address: text(100),
  city: text(30),
  country: optionalCountryCode(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as EUR')
    .nullish(),
  creditLimit: z.number().int().min(0, 'must not be negative').nullish(),
});
const numberInput = z.object({
  number: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{1,20}$/, 'must be 1 to 20 letters, digits or dashes'),
});

const sameEmail = (record: NavRecord, email: string | null | undefined): boolean =>
  fieldText(record, 'E_Mail').toLowerCase() === (email ?? '').trim().toLowerCase();

/**
 * Creates the customer, once per number: an existing customer with this number and the same email is the
 * earlier call's result (replayed); with another email the number is someone else's (CONFLICT). A create racing
 * another for the same number ends the same way, read back after NAV's "already exists".
 */
export async function createErpCustomer(
  client: ErpClient,
  input: CreateErpCustomerInput,
  localCurrency: string,
): Promise<ErpCustomerModel> {
  validInput(createInput, input);
  const number = toCode(input.number);
  const existing = await client.read('Customer', number);
  const settle = (record: NavRecord): ErpCustomerModel => {
    if (!sameEmail(record, input.email)) {
      throw new ConflictError(`ERP customer ${number} exists with another email; choose another number.`, {
        upstream: 'erp',
        extensions: { field: 'input.number' },
      });
    }
    return toErpCustomer(record, true);
  };
  if (existing) return settle(existing);
  const currency = input.currency && input.currency !== localCurrency ? input.currency : '';
  const record: Record<string, string> = {
    No: number,
    Name: input.name.trim(),
    ...(input.email ? { E_Mail: input.email.trim().toLowerCase() } : {}),
    ...(input.phone ? { Phone_No: input.phone.trim() } : {}),
    ...(input.address ? { Address: input.address.trim() } : {}),
    ...(input.city ? { City: input.city.trim() } : {}),
    ...(input.country ? { Country_Region_Code: input.country } : {}),
    ...(currency ? { Currency_Code: currency } : {}),
    ...(input.creditLimit !== null && input.creditLimit !== undefined
      ? { Credit_Limit_LCY: toDecimalText(input.creditLimit, localCurrency, 'input.creditLimit') }
      : {}),
  };
  try {
    return toErpCustomer(await client.create('Customer', record), false);
  } catch (error) {
    // NAV's "already exists" is a request fault: another call created this number between our read and create.
    const raced = error instanceof BadUserInputError && /already exists/i.test(error.message);
    if (!raced) throw error;
    const winner = await client.read('Customer', number);
    if (!winner) throw error;
    return settle(winner);
  }
}

/** Deletes the customer; one already gone answers `alreadyDeleted` (a repeat is harmless). */
export async function deleteErpCustomer(
  client: ErpClient,
  input: { number: string },
): Promise<{ erpCustomerNumber: string; alreadyDeleted: boolean }> {
  validInput(numberInput, input);
  const number = toCode(input.number);
  const existing = await client.read('Customer', number);
  if (!existing) return { erpCustomerNumber: number, alreadyDeleted: true };
  try {
    await client.delete('Customer', fieldText(existing, 'Key'));
  } catch (error) {
    // Deleted by a concurrent repeat between our read and delete: the outcome asked for.
    if (error instanceof NotFoundError || (error instanceof ConflictError && !(await client.read('Customer', number)))) {
      return { erpCustomerNumber: number, alreadyDeleted: true };
    }
    throw error;
  }
  return { erpCustomerNumber: number, alreadyDeleted: false };
}

/**
 * Sets NAV's `Blocked` (ALL: no sales, invoices or shipments). Absolute, so repeating it lands on the same state;
 * a concurrent change to the record (stale Key) is read again and retried once.
 */
export async function blockErpCustomer(client: ErpClient, input: BlockErpCustomerInput): Promise<ErpCustomerModel> {
  validInput(numberInput, input);
  const number = toCode(input.number);
  const blocked = input.blocked ?? 'ALL';
  for (let attempt = 0; ; attempt++) {
    const existing = await client.read('Customer', number);
    if (!existing) throw new NotFoundError('ErpCustomer', number, { upstream: 'erp' });
    const previousBlocked = BLOCKED[fieldText(existing, 'Blocked')] ?? 'ALL';
    if (previousBlocked === blocked) return { ...toErpCustomer(existing, true), previousBlocked };
    try {
      const updated = await client.update('Customer', { Key: fieldText(existing, 'Key'), Blocked: BLOCKED_OPTION[blocked] });
      return { ...toErpCustomer(updated, false), previousBlocked };
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt > 0) throw error;
    }
  }
}
