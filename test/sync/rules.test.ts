import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, parseRules, RulesError } from '../../sync/rules.js';

const phone = {
  field: 'phone',
  owner: 'hubspot',
  receivers: ['stripe', 'erp'],
  onConflict: 'revert',
  hubspot: 'phone',
  stripe: 'phone',
  erp: 'Phone_No',
};

function problems(input: unknown): string[] {
  try {
    parseRules(input, 'rules.json');
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError);
    return (error as RulesError).problems;
  }
  throw new Error('expected the rules to be refused');
}

describe('the ownership rules', () => {
  it('loads the shipped file', () => {
    const rules = loadRules();
    expect(rules.fields.map((rule) => rule.field)).toEqual([
      'name',
      'email',
      'phone',
      'city',
      'country',
      'address',
      'currency',
      'creditLimit',
    ]);
    expect(rules.fields.find((rule) => rule.field === 'name')!.names.hubspot).toEqual(['firstname', 'lastname']);
    expect(rules.clockSkewMs).toBe(5000);
  });

  it('names the bad rule: unknown system, vendor field, missing mapping, owner among receivers', () => {
    expect(problems({ fields: [phone, { ...phone, field: 'fax', owner: 'salesforce' }] })).toEqual([
      expect.stringMatching(/^fields\[1\] \(fax\)\.owner: /),
    ]);
    expect(problems({ fields: [{ ...phone, stripe: 'fone' }] })).toEqual([
      expect.stringContaining('fields[0] (phone).stripe: "fone" is not a Stripe customer field sync can write'),
    ]);
    expect(problems({ fields: [{ ...phone, erp: undefined }] })).toEqual([
      'fields[0] (phone): erp receives the field but the rule gives no "erp" name for it',
    ]);
    expect(problems({ fields: [{ ...phone, receivers: ['hubspot', 'erp'] }] })).toEqual([
      'fields[0] (phone): the owner hubspot cannot also be a receiver',
    ]);
    expect(problems({ fields: [phone, { ...phone, field: 'mobile' }] })).toEqual([
      'fields[1] (mobile).hubspot: "phone" is already the hubspot name of "phone"',
      'fields[1] (mobile).stripe: "phone" is already the stripe name of "phone"',
      'fields[1] (mobile).erp: "Phone_No" is already the erp name of "phone"',
    ]);
    expect(problems({ fields: [{ ...phone, onConflict: 'ignore' }] })[0]).toMatch(/^fields\[0\] \(phone\)\.onConflict: /);
    expect(problems({ fields: [{ ...phone, colour: 'red' }] })[0]).toMatch(/^fields\[0\] \(phone\): .*colour/);
    expect(problems({ fields: [] })[0]).toMatch(/^fields: /);
  });

  it('accepts Stripe metadata keys, and refuses what Stripe would', () => {
    expect(
      parseRules({
        fields: [
          { ...phone, field: 'vat', owner: 'erp', receivers: ['stripe'], hubspot: undefined, erp: 'Address', stripe: 'metadata.vat_id' },
        ],
      }).fields,
    ).toHaveLength(1);
    expect(problems({ fields: [{ ...phone, stripe: 'metadata.' + 'k'.repeat(41) }] })[0]).toContain('is not a Stripe customer field');
  });

  it('reports an unreadable or non-JSON file with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-rules-'));
    writeFileSync(join(dir, 'bad.json'), '{ fields: ');
    expect(() => loadRules(join(dir, 'bad.json'))).toThrow(/bad\.json:\n  - is not JSON/);
    expect(() => loadRules(join(dir, 'missing.json'))).toThrow(/missing\.json:\n  - cannot be read/);
  });
});
