import { HubSpotError, validationError, type ErrorDetail } from './errors.js';
import { PROPERTIES, type ObjectType, type PropertyDefinition, type PropertyType } from './schema.js';

/** The field types HubSpot allows for each property type (its "type and fieldType must agree" rule). */
const FIELD_TYPES_BY_TYPE: Record<PropertyType, readonly string[]> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  bool: ['booleancheckbox', 'calculation_equation'],
};
const TYPES = Object.keys(FIELD_TYPES_BY_TYPE) as PropertyType[];
// HubSpot's internal names: lowercase, start with a letter, letters/digits/underscores; `hs_` is HubSpot's own.
const NAME = /^[a-z][a-z0-9_]*$/;

type Option = { label: string; value: string; displayOrder: number; hidden: boolean; description?: string };

/** A property a portal created through the API, with everything the Properties API returns for it. */
export type CustomProperty = {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: Option[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
};

/** What object writes, reads and searches check values against. */
export function toDefinition(property: CustomProperty): PropertyDefinition {
  return {
    name: property.name,
    type: property.type,
    ...(property.type === 'enumeration' ? { options: property.options.map((option) => option.value) } : {}),
    ...(property.hasUniqueValue ? { unique: true } : {}),
  };
}

function invalid(message: string, errors: ErrorDetail[] = []): HubSpotError {
  return validationError(message, errors.length > 0 ? errors : undefined);
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required)
      throw invalid(`Invalid input JSON: "${name}" is required.`, [{ message: `${name} is required`, code: 'REQUIRED_FIELD', in: name }]);
    return undefined;
  }
  if (typeof value !== 'string' || (required && value.trim() === ''))
    throw invalid(`Invalid input JSON: "${name}" must be a non-empty string.`, [
      { message: `${name} must be a string`, code: 'INVALID_TYPE', in: name },
    ]);
  return value;
}

function booleanField(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`Invalid input JSON: "${name}" must be a boolean.`);
  return value;
}

function parseOptions(value: unknown): Option[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('Invalid input JSON: "options" must be a list.');
  const seen = new Set<string>();
  return value.map((raw: unknown, index) => {
    const option = (raw ?? {}) as Record<string, unknown>;
    if (typeof option.label !== 'string' || typeof option.value !== 'string' || option.value === '') {
      throw invalid(`Invalid input JSON: options[${index}] needs a "label" and a non-empty "value".`);
    }
    if (seen.has(option.value)) throw invalid(`Duplicate option value: ${option.value}`);
    seen.add(option.value);
    return {
      label: option.label,
      value: option.value,
      displayOrder: typeof option.displayOrder === 'number' ? option.displayOrder : index,
      hidden: option.hidden === true,
      ...(typeof option.description === 'string' ? { description: option.description } : {}),
    };
  });
}

/** Checks the type/fieldType/options combination HubSpot insists on, for a created or updated property. */
function checkShape(property: Pick<CustomProperty, 'type' | 'fieldType' | 'options'>): void {
  if (!TYPES.includes(property.type)) throw invalid(`Invalid property type ${String(property.type)}. Allowed: ${TYPES.join(', ')}`);
  if (!FIELD_TYPES_BY_TYPE[property.type].includes(property.fieldType)) {
    throw invalid(
      `Property fieldType ${property.fieldType} is not valid for type ${property.type}. Allowed: ${FIELD_TYPES_BY_TYPE[property.type].join(', ')}`,
    );
  }
  if (property.type === 'enumeration' && property.options.length === 0) throw invalid('An enumeration property needs at least one option.');
  if (property.type === 'bool') {
    const values = property.options.map((option) => option.value).sort();
    if (values.length > 0 && values.join() !== 'false,true') throw invalid('A bool property has exactly the options "true" and "false".');
  }
}

/**
 * The property definitions of one portal: HubSpot's standard ones (fixed) plus those created through the
 * Properties API. Object writes, reads and searches look definitions up here, so a created property can be
 * set and read on objects at once, and an archived one no longer can.
 */
export class PropertyRegistry {
  private readonly custom: Record<ObjectType, Map<string, CustomProperty>> = {
    contacts: new Map(),
    companies: new Map(),
    deals: new Map(),
  };
  private readonly merged = new Map<ObjectType, ReadonlyMap<string, PropertyDefinition>>();

  /** Every definition of the type a write may use: the standard ones and the live custom ones. */
  of(type: ObjectType): ReadonlyMap<string, PropertyDefinition> {
    let map = this.merged.get(type);
    if (!map) {
      const custom = [...this.custom[type].values()].filter((property) => !property.archived).map(toDefinition);
      map = new Map([...PROPERTIES[type], ...custom.map((definition) => [definition.name, definition] as const)]);
      this.merged.set(type, map);
    }
    return map;
  }

  /** Custom properties of the type, live or (with `archived`) archived ones. */
  customOf(type: ObjectType, archived: boolean): CustomProperty[] {
    return [...this.custom[type].values()].filter((property) => property.archived === archived);
  }

  getCustom(type: ObjectType, name: string): CustomProperty | undefined {
    return this.custom[type].get(name);
  }

  /** `POST /crm/v3/properties/{type}`: validates the PropertyCreate body; 409 when the name is taken. */
  create(type: ObjectType, body: Record<string, unknown>, now: number): CustomProperty {
    const name = stringField(body, 'name', true)!;
    const label = stringField(body, 'label', true)!;
    const propertyType = stringField(body, 'type', true)! as PropertyType;
    const fieldType = stringField(body, 'fieldType', true)!;
    const groupName = stringField(body, 'groupName', true)!;
    if (!NAME.test(name) || name.length > 100) {
      throw invalid(`Property name ${name} is invalid: use lowercase letters, digits and underscores, starting with a letter.`);
    }
    if (name.startsWith('hs_'))
      throw invalid(`Property name ${name} is invalid: the hs_ prefix is reserved for HubSpot-defined properties.`);
    if (PROPERTIES[type].has(name) || this.custom[type].get(name)?.archived === false) {
      throw new HubSpotError(409, 'CONFLICT', `Property named '${name}' already exists.`);
    }
    const at = new Date(now).toISOString();
    const property: CustomProperty = {
      name,
      label,
      type: propertyType,
      fieldType,
      groupName,
      description: stringField(body, 'description', false) ?? '',
      options: parseOptions(body.options) ?? [],
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
      hasUniqueValue: booleanField(body, 'hasUniqueValue') ?? false,
      hidden: booleanField(body, 'hidden') ?? false,
      formField: booleanField(body, 'formField') ?? false,
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
    checkShape(property);
    this.custom[type].set(name, property);
    this.merged.delete(type);
    return property;
  }

  /** `PATCH .../{name}`: the PropertyUpdate fields; the name and uniqueness cannot change; 404 if not live. */
  update(type: ObjectType, name: string, body: Record<string, unknown>, now: number): CustomProperty {
    const current = this.live(type, name);
    for (const fixed of ['name', 'hasUniqueValue'] as const) {
      if (body[fixed] !== undefined && body[fixed] !== current[fixed]) throw invalid(`Property ${fixed} cannot be changed after creation.`);
    }
    const next: CustomProperty = {
      ...current,
      label: stringField(body, 'label', false) ?? current.label,
      type: (stringField(body, 'type', false) as PropertyType | undefined) ?? current.type,
      fieldType: stringField(body, 'fieldType', false) ?? current.fieldType,
      groupName: stringField(body, 'groupName', false) ?? current.groupName,
      description: stringField(body, 'description', false) ?? current.description,
      options: parseOptions(body.options) ?? current.options,
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : current.displayOrder,
      hidden: booleanField(body, 'hidden') ?? current.hidden,
      formField: booleanField(body, 'formField') ?? current.formField,
      updatedAt: new Date(now).toISOString(),
    };
    checkShape(next);
    this.custom[type].set(name, next);
    this.merged.delete(type);
    return next;
  }

  /** `DELETE .../{name}`: archives; the name can then be created again. */
  archive(type: ObjectType, name: string, now: number): void {
    const current = this.live(type, name);
    const at = new Date(now).toISOString();
    this.custom[type].set(name, { ...current, archived: true, archivedAt: at, updatedAt: at });
    this.merged.delete(type);
  }

  private live(type: ObjectType, name: string): CustomProperty {
    if (PROPERTIES[type].has(name)) {
      throw invalid(`Property ${name} is HubSpot-defined: its definition is read-only and it cannot be archived.`);
    }
    const current = this.custom[type].get(name);
    if (!current || current.archived) throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${name} on ${type}.`);
    return current;
  }
}
