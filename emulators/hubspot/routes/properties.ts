import express, { type Router } from 'express';
import { HubSpotError } from '../errors.js';
import { PROPERTIES, type ObjectType, type PropertyDefinition } from '../schema.js';
import { objectTypeParam } from './common.js';

/** The definitions' fixed timestamps: the standard properties predate every seeded record. */
const DEFINED_AT = '2019-08-06T02:41:08.029Z';

const FIELD_TYPES: Record<PropertyDefinition['type'], string> = { string: 'text', number: 'number', datetime: 'date', enumeration: 'select' };

/** A definition in the Properties API's shape (`hasUniqueValue`, `modificationMetadata`, options with labels). */
export function toPublicProperty(type: ObjectType, definition: PropertyDefinition) {
  const label = definition.name.replace(/^hs_/, '').replaceAll('_', ' ').replace(/^\w/, (c) => c.toUpperCase());
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

/**
 * `GET /crm/v3/properties/{type}` and `/{type}/{name}`: the definitions the emulator validates writes with.
 * Only HubSpot's standard properties exist here, so creating custom ones (POST) is not served.
 */
export function propertyRoutes(): Router {
  const router = express.Router();
  router.get('/crm/v3/properties/:objectType', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    res.json({ results: [...PROPERTIES[type].values()].map((definition) => toPublicProperty(type, definition)) });
  });
  router.get('/crm/v3/properties/:objectType/:propertyName', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const definition = PROPERTIES[type].get(req.params.propertyName);
    if (!definition) throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${req.params.propertyName} on ${type}.`);
    res.json(toPublicProperty(type, definition));
  });
  return router;
}
