import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The ownership rules: for each shared customer field, the system that owns it, the systems that receive it, the
 * name of the field in each system, and what happens when a system that does not own it changes it. Data, not
 * code (sync/rules.json ships with the repo); validated at start, every problem named by its rule.
 */

export const SYSTEMS = ['hubspot', 'stripe', 'erp'] as const;
export type System = (typeof SYSTEMS)[number];

/**
 * The fields sync can write in each system, as the system names them (what its events report and what the
 * subgraphs' sync mutations accept). Stripe's `metadata.<key>` is open: any key of Stripe's metadata rules.
 */
export const WRITABLE: Record<System, readonly string[]> = {
  hubspot: ['firstname', 'lastname', 'email', 'phone', 'jobtitle', 'city', 'country'],
  stripe: [
    'name',
    'email',
    'phone',
    'address.line1',
    'address.line2',
    'address.city',
    'address.postal_code',
    'address.state',
    'address.country',
  ],
  erp: ['Name', 'E_Mail', 'Phone_No', 'Address', 'City', 'Country_Region_Code', 'Currency_Code', 'Credit_Limit_LCY'],
};
/** Stripe's metadata keys: up to 40 characters, no square brackets. */
const STRIPE_METADATA = /^metadata\.[^[\]]{1,40}$/;

const system = z.enum(SYSTEMS);
const vendorName = z.string().min(1);
const ruleShape = z
  .object({
    field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a field name is letters, digits and _, starting with a letter'),
    owner: system,
    receivers: z.array(system).min(1),
    onConflict: z.enum(['revert', 'report']),
    hubspot: z.union([vendorName, z.array(vendorName).min(1)]).optional(),
    stripe: vendorName.optional(),
    erp: vendorName.optional(),
  })
  .strict();
const fileShape = z
  .object({
    $comment: z.string().optional(),
    clockSkewSeconds: z.number().int().min(0).max(3600).default(5),
    fields: z.array(z.unknown()).min(1),
  })
  .strict();

export type FieldRule = {
  field: string;
  owner: System;
  receivers: System[];
  onConflict: 'revert' | 'report';
  /** The field's name(s) in each system that holds it; several HubSpot properties are joined with a space (name). */
  names: Partial<Record<System, string[]>>;
};

export type SyncRules = { clockSkewMs: number; fields: FieldRule[] };

/** Raised when the rules file is unreadable or a rule is wrong; the message names every bad rule. */
export class RulesError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid sync rules in ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'RulesError';
  }
}

const SYSTEM_LABEL: Record<System, string> = {
  hubspot: 'HubSpot contact property',
  stripe: 'Stripe customer field',
  erp: 'ERP Customer page field',
};

function writable(target: System, name: string): boolean {
  return WRITABLE[target].includes(name) || (target === 'stripe' && STRIPE_METADATA.test(name));
}

/** Validates parsed rules (pure); `source` names the file in messages. */
export function parseRules(input: unknown, source = 'sync rules'): SyncRules {
  const file = fileShape.safeParse(input);
  if (!file.success)
    throw new RulesError(
      source,
      file.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`),
    );
  const problems: string[] = [];
  const rules: FieldRule[] = [];
  const claimed = new Map<string, string>();
  file.data.fields.forEach((raw, index) => {
    const label = `fields[${index}]${typeof (raw as { field?: unknown })?.field === 'string' ? ` (${(raw as { field: string }).field})` : ''}`;
    const parsed = ruleShape.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${label}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
      return;
    }
    const rule = parsed.data;
    if (rules.some((other) => other.field === rule.field)) problems.push(`${label}: the field "${rule.field}" has another rule`);
    if (rule.receivers.includes(rule.owner)) problems.push(`${label}: the owner ${rule.owner} cannot also be a receiver`);
    if (new Set(rule.receivers).size !== rule.receivers.length) problems.push(`${label}: receivers name a system twice`);
    const names: FieldRule['names'] = {};
    for (const target of SYSTEMS) {
      const given = rule[target];
      if (given === undefined) {
        if (target === rule.owner || rule.receivers.includes(target))
          problems.push(
            `${label}: ${target} ${target === rule.owner ? 'owns' : 'receives'} the field but the rule gives no "${target}" name for it`,
          );
        continue;
      }
      const list = Array.isArray(given) ? given : [given];
      if (list.length > 1 && target !== 'hubspot') problems.push(`${label}.${target}: only HubSpot names may be a list`);
      for (const name of list) {
        if (!writable(target, name))
          problems.push(
            `${label}.${target}: "${name}" is not a ${SYSTEM_LABEL[target]} sync can write (expected one of ${WRITABLE[target].join(', ')}${target === 'stripe' ? ', metadata.<key>' : ''})`,
          );
        const key = `${target}:${name}`;
        const other = claimed.get(key);
        if (other && other !== rule.field) problems.push(`${label}.${target}: "${name}" is already the ${target} name of "${other}"`);
        claimed.set(key, rule.field);
      }
      names[target] = list;
    }
    rules.push({ field: rule.field, owner: rule.owner, receivers: rule.receivers, onConflict: rule.onConflict, names });
  });
  if (problems.length > 0) throw new RulesError(source, problems);
  return { clockSkewMs: file.data.clockSkewSeconds * 1000, fields: rules };
}

export const DEFAULT_RULES_FILE = new URL('./rules.json', import.meta.url);

/** Reads and validates a rules file (default: the one shipped in sync/). */
export function loadRules(path: string | URL = DEFAULT_RULES_FILE): SyncRules {
  const source = path instanceof URL ? path.pathname : path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RulesError(source, [`cannot be read: ${(error as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RulesError(source, [`is not JSON: ${(error as Error).message}`]);
  }
  return parseRules(json, source);
}

/** The rule and the system's name index: which rule a system's field belongs to (for reading events). */
export function ruleForVendorField(rules: SyncRules, target: System, name: string): FieldRule | undefined {
  return rules.fields.find((rule) => rule.names[target]?.includes(name));
}
