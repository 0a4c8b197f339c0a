import express, { type Router } from 'express';
import { HubSpotError } from '../errors.js';
import type { CustomProperty } from '../property-registry.js';
import { PROPERTIES, type ObjectType, type PropertyDefinition } from '../schema.js';
import { bodyObject, booleanParam, objectTypeParam, type CrmContext } from './common.js';

/** The definitions' fixed timestamps: the standard properties predate every seeded record. */
const DEFINED_AT = '2019-08-06T02:41:08.029Z';

const FIELD_TYPES: Record<PropertyDefinition['type'], string> = {
  string: 'text',
  number: 'number',
  date: 'date',
  datetime: 'date',
  enumeration: 'select',
  bool: 'booleancheckbox',
};

/** A definition in the Properties API's shape (`hasUniqueValue`, `modificationMetadata`, options with labels). */
export function toPublicProperty(type: ObjectType, definition: PropertyDefinition) {
  const label = definition.name
    .replace(/^hs_/, '')
    .replaceAll('_', ' ')
    .replace(/^\w/, (c) => c.toUpperCase());
  return {
    name: definition.name,
    label,
    type: definition.type,
    fieldType: definition.email ? 'text' : FIELD_TYPES[definition.type],
    description: '',
    groupName: `${type === 'contacts' ? 'contact' : type === 'companies' ? 'company' : 'deal'}information`,
    options: (definition.options ?? []).map((value, displayOrder) => ({ label: value, value, displayOrder, hidden: false })),
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: definition.unique === true,
    hidden: false,
    hubspotDefined: true,
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: definition.readOnly === true },
    formField: definition.readOnly !== true,
    createdAt: DEFINED_AT,
    updatedAt: DEFINED_AT,
    archived: false,
  };
}

/** A property created through the API, in the same shape: not HubSpot-defined, so archivable and editable. */
export function toPublicCustomProperty(property: CustomProperty) {
  const { archivedAt, ...rest } = property;
  return {
    ...rest,
    calculated: false,
    externalOptions: false,
    hubspotDefined: false,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    ...(archivedAt ? { archivedAt } : {}),
  };
}

/**
 * The Properties API: `GET /crm/v3/properties/{type}` (`?archived=true` lists archived custom ones) and
 * `/{type}/{name}`; `POST /{type}` creates a custom property (201, 409 when the name exists), `PATCH
 * /{type}/{name}` edits it, `DELETE` archives it (204). HubSpot's standard properties are read-only. A created
 * property is at once usable on the type's objects (writes, reads, search), through the store's registry.
 */
export function propertyRoutes(context: CrmContext): Router {
  const router = express.Router();
  const registry = context.store.properties;
  router.get('/crm/v3/properties/:objectType', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const archived = booleanParam(req.query.archived);
    const standard = archived ? [] : [...PROPERTIES[type].values()].map((definition) => toPublicProperty(type, definition));
    res.json({ results: [...standard, ...registry.customOf(type, archived).map(toPublicCustomProperty)] });
  });
  router.get('/crm/v3/properties/:objectType/:propertyName', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const definition = PROPERTIES[type].get(req.params.propertyName);
    if (definition) return void res.json(toPublicProperty(type, definition));
    const custom = registry.getCustom(type, req.params.propertyName);
    if (!custom || custom.archived !== booleanParam(req.query.archived)) {
      throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${req.params.propertyName} on ${type}.`);
    }
    res.json(toPublicCustomProperty(custom));
  });
  router.post('/crm/v3/properties/:objectType', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    res.status(201).json(toPublicCustomProperty(registry.create(type, bodyObject(req), context.clock())));
  });
  router.patch('/crm/v3/properties/:objectType/:propertyName', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    res.json(toPublicCustomProperty(registry.update(type, req.params.propertyName, bodyObject(req), context.clock())));
  });
  router.delete('/crm/v3/properties/:objectType/:propertyName', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    registry.archive(type, req.params.propertyName, context.clock());
    res.status(204).end();
  });
  return router;
}
